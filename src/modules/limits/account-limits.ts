import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { AccountRecord } from '../accounts/index.js';
import type { NodeCount } from './node-registry.js';
import { TokenBucket } from './token-bucket.js';

type Kind = 'writes' | 'reads';

export interface LimitAnswer {
  allowed: boolean;
  /** The account's limit per second, across all nodes. */
  limit: number;
  /** About how many more the account may send in this second, across nodes (this node's share × nodes). */
  remaining: number;
  resetSec: number;
  retryAfterSec: number;
}

/**
 * Each account's API limits on this node: its share of the account's per-second limit is the
 * limit divided by the serve nodes alive (node-registry.ts), kept in a token bucket in memory —
 * no store round trip per request. With traffic spread evenly by a balancer the account as a
 * whole gets its limit; a node that gets more than its share of an account's traffic refuses
 * the excess even if another node has room (docs/operations.md "Rate limits").
 */
export class AccountRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly nodes: NodeCount) {}

  take(account: AccountRecord, kind: Kind, nowMs = performance.now()): LimitAnswer | undefined {
    const limit = kind === 'writes' ? account.rateLimitWrites : account.rateLimitReads;
    if (limit <= 0) return undefined;
    const nodes = this.nodes.serveNodes();
    const rate = limit / nodes;
    const id = `${account.id}:${kind}`;
    let bucket = this.buckets.get(id);
    if (!bucket) this.buckets.set(id, (bucket = new TokenBucket(rate, nowMs)));
    const allowed = bucket.tryTake(1, rate, nowMs);
    const { fullInSec, oneInSec } = bucket.timings(rate);
    return {
      allowed,
      limit,
      remaining: Math.min(limit, Math.floor(Math.max(0, bucket.level(rate, nowMs))) * nodes),
      resetSec: Math.ceil(fullInSec),
      retryAfterSec: Math.max(1, Math.ceil(oneInSec)),
    };
  }
}

/** Reads are GET (and HEAD); every other method of the API is a write. */
const kindOf = (request: FastifyRequest): Kind =>
  request.method === 'GET' || request.method === 'HEAD' ? 'reads' : 'writes';

/** An onRequest hook after authentication: the account's limit for the kind of call, with the RateLimit headers. */
export function registerAccountLimits(app: FastifyInstance, limiter: AccountRateLimiter): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.account) return;
    const kind = kindOf(request);
    const answer = limiter.take(request.account, kind);
    if (!answer) return;
    reply
      .header('ratelimit-limit', answer.limit)
      .header('ratelimit-remaining', answer.remaining)
      .header('ratelimit-reset', answer.resetSec)
      .header('ratelimit-policy', `${answer.limit};w=1`);
    if (answer.allowed) return;
    reply.header('retry-after', answer.retryAfterSec);
    throw new AppError(
      'rateLimited',
      `This account may make ${answer.limit} API ${kind} per second, across all nodes. Retry after ${answer.retryAfterSec} s.`,
    );
  });
}
