// rate-limiter-flexible's index requires all its stores (Mongo, MySQL, Etcd, Prisma, …: 36 files, 160 kB
// of source kept in memory); the three classes used here are read from their own files instead.
import { createRequire } from 'node:module';
import type * as Package from 'rate-limiter-flexible';

const require = createRequire(import.meta.url);

export const RateLimiterMemory: typeof Package.RateLimiterMemory = require('rate-limiter-flexible/lib/RateLimiterMemory.js');
export type RateLimiterMemory = Package.RateLimiterMemory;
export const RateLimiterRedis: typeof Package.RateLimiterRedis = require('rate-limiter-flexible/lib/RateLimiterRedis.js');
export type RateLimiterRedis = Package.RateLimiterRedis;
export const RateLimiterRes: typeof Package.RateLimiterRes = require('rate-limiter-flexible/lib/RateLimiterRes.js');
export type RateLimiterRes = Package.RateLimiterRes;
