import type { FastifyInstance, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { apiVersionOf } from './auth.js';
import { markFailed, startServerSpan, tracingOn, withActiveSpan, type Span } from '../telemetry/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's server span, when tracing is on. */
    traceSpan: Span | undefined;
  }
}

/**
 * A server span per request (docs/operations.md "Tracing"): named by method and route pattern,
 * continuing an incoming `traceparent`, with the status and the account — never the URL, a key or
 * a body. Registered only when tracing is on.
 *
 * The span is made active from onRequest on, so the request's hooks and handler — a store write,
 * a log line — find it; the context carries through reading the body, even one that arrives after
 * the headers (test/e2e/tracing.test.ts sends one so).
 */
export function registerRequestTracing(app: FastifyInstance): void {
  if (!tracingOn()) return;
  app.decorateRequest('traceSpan', undefined);
  app.addHook('onRequest', (request, _reply, done: HookHandlerDoneFunction) => {
    const route = request.routeOptions.url;
    request.traceSpan = startServerSpan(route ? `${request.method} ${route}` : request.method, request.headers, {
      'http.request.method': request.method,
      ...(route && { 'http.route': route }),
      'patron.request_id': request.id,
    });
    withActiveSpan(request.traceSpan, done);
  });
  // Patron's error code on the span; only a 5xx marks it failed (a 4xx is the caller's).
  app.addHook('onError', async (request, _reply, error) => {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number') request.traceSpan?.setAttribute('patron.error.code', code);
  });
  app.addHook('onResponse', async (request, reply) => endSpan(request, reply.statusCode));
  // A caller that hung up: the span ends without a status.
  app.addHook('onRequestAbort', async (request) => endSpan(request, undefined));
}

function endSpan(request: FastifyRequest, status: number | undefined): void {
  const span = request.traceSpan;
  // Ended already (an abort, then the answer), or not sampled: nothing to add.
  if (!span?.isRecording()) return;
  if (status !== undefined) span.setAttribute('http.response.status_code', status);
  const version = apiVersionOf(request);
  if (version) span.setAttribute('patron.api_version', version);
  if (request.account) span.setAttribute('patron.account_id', request.account.id);
  if (status !== undefined && status >= 500) markFailed(span, new Error(`HTTP ${status}`));
  span.end();
}
