import { errors, jwtVerify, SignJWT } from 'jose';
import { badInput, unauthenticated } from '../errors.js';

export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  expiresAt: Date;
}

export interface VerifiedToken {
  userId: string;
  expiresAt: Date;
}

const MAX_TTL_SECONDS = 31_536_000;

/** HS256 JWTs for users; the secret is shared by every replica (SECRET_KEY or the settings table). */
export class Tokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly issuer: string,
    private readonly defaultTtlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(userId: string, ttlSeconds = this.defaultTtlSeconds): Promise<IssuedToken> {
    if (!userId.trim()) throw badInput('userId must not be empty');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
      throw badInput(`ttlSeconds must be a whole number from 1 to ${MAX_TTL_SECONDS}`);
    }
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({ scope: 'user' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(this.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(this.key);
    return { accessToken, tokenType: 'Bearer', expiresIn: ttlSeconds, expiresAt: new Date((now + ttlSeconds) * 1000) };
  }

  async verify(token: string): Promise<VerifiedToken> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: this.issuer, algorithms: ['HS256'], requiredClaims: ['sub', 'exp'] });
      if (!payload.sub) throw unauthenticated('The token names no user');
      return { userId: payload.sub, expiresAt: new Date(payload.exp! * 1000) };
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw unauthenticated('The token has expired');
      if (error instanceof errors.JWTClaimValidationFailed) throw unauthenticated(`The token is not valid here: ${error.message}`);
      throw unauthenticated('The token is not valid');
    }
  }
}

export const looksLikeJwt = (credential: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(credential);
