import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/**
 * A per-node limit of requests per minute for each apiKey (each client address when there is
 * none). Counters live in memory: with N nodes behind a balancer an account gets up to N times
 * the limit, which is the price of nodes that share nothing but the database.
 */
export async function registerRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  await app.register(rateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const key = request.headers.apikey;
      return typeof key === 'string' && key !== '' ? `key:${key}` : `ip:${request.ip}`;
    },
    allowList: (request) => request.url === '/health' || request.url === '/ready',
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'rateLimited',
        `Rate limit exceeded: at most ${context.max} requests per minute. Retry after ${context.after}.`,
      ),
  });
}
