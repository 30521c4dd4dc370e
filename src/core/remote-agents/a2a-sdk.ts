import type * as Core from '@a2a-js/sdk';
import type * as ClientSdk from '@a2a-js/sdk/client';

export interface A2aSdk {
  core: typeof Core;
  client: typeof ClientSdk;
}

// The A2A SDK loads with the first remote agent: a gateway with none never holds it.
let loaded: Promise<A2aSdk> | undefined;

export function loadA2aSdk(): Promise<A2aSdk> {
  return (loaded ??= Promise.all([import('@a2a-js/sdk'), import('@a2a-js/sdk/client')]).then(([core, client]) => ({ core, client })));
}
