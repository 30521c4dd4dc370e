import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** A server URL whose host is, or resolves to, an address muxgate does not connect to. */
export class AddressNotAllowedError extends Error {}

/** Link-local, cloud metadata, multicast and reserved: never an MCP server, whatever the settings. */
const ALWAYS_REFUSED = new BlockList();
ALWAYS_REFUSED.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, incl. 169.254.169.254 (AWS, GCP, Azure metadata)
ALWAYS_REFUSED.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
ALWAYS_REFUSED.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
ALWAYS_REFUSED.addSubnet('240.0.0.0', 4, 'ipv4'); // reserved, broadcast
ALWAYS_REFUSED.addSubnet('fe80::', 10, 'ipv6'); // link-local
ALWAYS_REFUSED.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
ALWAYS_REFUSED.addSubnet('ff00::', 8, 'ipv6'); // multicast

/** This machine and private networks: refused unless MCP_ALLOW_PRIVATE_URLS=true. */
const PRIVATE = new BlockList();
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('0.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT
PRIVATE.addSubnet('192.0.0.0', 24, 'ipv4');
PRIVATE.addSubnet('198.18.0.0', 15, 'ipv4');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addAddress('::', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6'); // unique local

/** Metadata services by name: refused before any lookup (some resolve only inside the cloud). */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal']);

/** Where MCP servers may be: public addresses, and this machine and private networks when `allowPrivate`. */
export class AddressPolicy {
  constructor(readonly allowPrivate: boolean) {}

  /** Throws AddressNotAllowedError for an address (v4, v6, or v4-mapped v6) muxgate does not connect to. */
  checkAddress(address: string): void {
    const [plain, family] = unmapped(address);
    if (ALWAYS_REFUSED.check(plain, family)) throw new AddressNotAllowedError(`${address} is link-local, a cloud metadata service or reserved`);
    if (!this.allowPrivate && PRIVATE.check(plain, family)) throw new AddressNotAllowedError(`${address} is loopback or private (MCP_ALLOW_PRIVATE_URLS is off)`);
  }

  /** Checks a URL's host by name and, when it is an address, the address; names are checked again when resolved. */
  checkHost(hostname: string): void {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
    if (METADATA_HOSTS.has(host)) throw new AddressNotAllowedError(`${host} is a cloud metadata service`);
    if (host === 'localhost' || host.endsWith('.localhost')) this.checkAddress('127.0.0.1');
    if (isIP(host)) this.checkAddress(host);
  }

  /** Every address `hostname` resolves to, each checked: one refused address refuses the name. */
  async resolve(hostname: string): Promise<LookupAddress[]> {
    this.checkHost(hostname);
    const host = hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) return [{ address: host, family: isIP(host) }];
    const addresses = await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(host, { all: true }, (error, found) => (error ? reject(error) : resolve(found))));
    for (const { address } of addresses) this.checkAddress(address);
    return addresses;
  }

  /**
   * A `lookup` for node:net and node:http: the socket connects to the very addresses that were
   * checked, so a name that resolves to something else a moment later (DNS rebinding) gains nothing.
   */
  readonly lookup = (hostname: string, options: { all?: boolean }, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void): void => {
    this.resolve(hostname).then(
      (addresses) => (options.all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family)),
      (error: Error) => callback(error, ''),
    );
  };
}

/**
 * The IPv4 address an IPv6 one carries, checked as IPv4 (else the IPv6 address itself): mapped
 * (`::ffff:127.0.0.1`, `::ffff:7f00:1`), IPv4-compatible (`::127.0.0.1`), NAT64 (`64:ff9b::/96`)
 * and 6to4 (`2002::/16`) all reach the IPv4 address they embed.
 */
function unmapped(address: string): [string, 'ipv4' | 'ipv6'] {
  if (isIP(address) === 4) return [address, 'ipv4'];
  const groups = ipv6Groups(address);
  if (!groups) return [address, 'ipv6'];
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  if (zeros(0, 5) && (groups[5] === 0xffff || groups[5] === 0)) return [ipv4Of(groups[6]!, groups[7]!), 'ipv4'];
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return [ipv4Of(groups[6]!, groups[7]!), 'ipv4'];
  if (groups[0] === 0x2002) return [ipv4Of(groups[1]!, groups[2]!), 'ipv4'];
  return [address, 'ipv6'];
}

/** An IPv6 address's eight 16-bit groups (the URL parser reads every spelling, dotted tails included), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let host: string;
  try {
    host = new URL(`http://[${address}]`).hostname.slice(1, -1);
  } catch {
    return undefined; // a zone id (fe80::1%eth0) and the like: checked as written
  }
  const [head = '', tail] = host.split('::');
  const parse = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const first = parse(head);
  const last = tail === undefined ? [] : parse(tail);
  return [...first, ...Array<number>(8 - first.length - last.length).fill(0), ...last];
}

const ipv4Of = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
