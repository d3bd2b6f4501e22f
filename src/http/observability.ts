import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { LogLevel } from '../config.js';
import { apiVersionOf } from './auth.js';
import { httpDuration, httpRequests } from '../metrics/metrics.js';
import { traceFields, tracingOn } from '../telemetry/index.js';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Keep a caller's x-request-id when it is sane, so one id follows a request across systems. */
export function genRequestId(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Logger options. Request lines carry the route pattern, never the URL (a customerId may be
 * an email), and headers are never logged, so no key or PII reaches info level.
 */
export function loggerOptions(level: LogLevel): FastifyServerOptions['logger'] {
  return {
    level,
    // A second guard: nothing should log these, and if something does they are dropped.
    redact: {
      paths: ['headers', '*.headers', '*.apikey', '*.secretkey', '*.email', '*.mobile', '*.apiKey', '*.secretKey'],
      remove: true,
    },
    // With tracing on, a line logged under a span carries its ids (a request's own line adds its span's).
    ...(tracingOn() && { mixin: (merged: object) => ('traceId' in merged ? {} : traceFields()) }),
  };
}

export function registerRequestLogging(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      route: request.routeOptions.url ?? 'unmatched',
      method: request.method,
      status: String(reply.statusCode),
    };
    httpRequests.inc(labels);
    httpDuration.observe(labels, reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        apiVersion: apiVersionOf(request),
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        account: request.account?.id,
        ...traceFields(request.traceSpan),
      },
      'request',
    );
  });
}
