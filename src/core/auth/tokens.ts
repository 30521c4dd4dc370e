import { randomUUID } from 'node:crypto';
import { badInput, isDomainError, unauthenticated } from '../errors.js';
import { lazyImport } from '../lazy-import.js';

/** jose, loaded at the first token issued or checked: about 1 MB of heap a gateway used with API keys only never needs. */
const jose = lazyImport(() => import('jose'));

export interface IssuedToken {
  /** The token's `jti`: revokeToken takes it. */
  id: string;
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  expiresAt: Date;
}

export interface VerifiedToken {
  id: string;
  userId: string;
  /** The API key that issued the token (`key` claim): revoking the key revokes the token. */
  keyId: string;
  expiresAt: Date;
}

/** HS256 JWTs for users; the secret is shared by every replica (SECRET_KEY or the settings table). */
export class Tokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly issuer: string,
    private readonly defaultTtlSeconds: number,
    private readonly maxTtlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(userId: string, keyId: string, ttlSeconds = this.defaultTtlSeconds): Promise<IssuedToken> {
    if (!userId.trim()) throw badInput('userId must not be empty');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > this.maxTtlSeconds) {
      throw badInput(`ttlSeconds must be a whole number from 1 to ${this.maxTtlSeconds} (MAX_TOKEN_TTL_SECONDS)`);
    }
    const now = Math.floor(Date.now() / 1000);
    const id = randomUUID();
    const { SignJWT } = await jose();
    const accessToken = await new SignJWT({ scope: 'user', key: keyId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setJti(id)
      .setSubject(userId)
      .setIssuer(this.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(this.key);
    return { id, accessToken, tokenType: 'Bearer', expiresIn: ttlSeconds, expiresAt: new Date((now + ttlSeconds) * 1000) };
  }

  /** Checks signature, issuer and expiry; revocation is the caller's to check. */
  async verify(token: string): Promise<VerifiedToken> {
    const { errors, jwtVerify } = await jose();
    try {
      // jti and key are required: a token without them could never be withdrawn.
      const { payload } = await jwtVerify(token, this.key, { issuer: this.issuer, algorithms: ['HS256'], requiredClaims: ['sub', 'exp', 'jti', 'key'] });
      if (!payload.sub) throw unauthenticated('The token names no user');
      this.checkLifetime(payload.iat, payload.exp!);
      if (typeof payload.key !== 'string' || !payload.jti) throw unauthenticated('The token is not valid');
      return { id: payload.jti, userId: payload.sub, keyId: payload.key, expiresAt: new Date(payload.exp! * 1000) };
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw unauthenticated('The token has expired');
      if (error instanceof errors.JWTClaimValidationFailed) throw unauthenticated(`The token is not valid here: ${error.message}`);
      if (isDomainError(error)) throw error;
      throw unauthenticated('The token is not valid');
    }
  }

  /**
   * No token lives longer than MAX_TOKEN_TTL_SECONDS, whoever signed it: one issued in the future
   * is refused, and so is one whose exp is further from its iat than the maximum. A token without
   * iat is judged from now: refused when it expires later than the maximum from now.
   */
  private checkLifetime(issuedAt: number | undefined, expiresAt: number): void {
    const now = Math.floor(Date.now() / 1000);
    if (issuedAt === undefined) {
      if (expiresAt - now > this.maxTtlSeconds) throw unauthenticated(`The token has no iat and expires more than MAX_TOKEN_TTL_SECONDS (${this.maxTtlSeconds}) from now`);
      return;
    }
    if (issuedAt > now + CLOCK_SKEW_SECONDS) throw unauthenticated('The token is issued in the future (its iat is after now)');
    if (expiresAt - issuedAt > this.maxTtlSeconds) throw unauthenticated(`The token lives longer than MAX_TOKEN_TTL_SECONDS (${this.maxTtlSeconds})`);
  }
}

/** How far another replica's clock may run ahead of this one's before a token's iat is "in the future". */
export const CLOCK_SKEW_SECONDS = 30;

export const looksLikeJwt = (credential: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(credential);
