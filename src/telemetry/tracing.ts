import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

/**
 * Patron's spans, through the OpenTelemetry API. Everything here is inert until sdk.ts starts the
 * SDK (OTEL_* set): callers check `tracingOn()` first, so a node without tracing pays one boolean
 * test per call site and never builds a span or an attribute.
 *
 * Attributes never carry keys or personal data: route patterns (never URLs: a customerId may be
 * an email), ids of accounts, jobs and deliveries, sizes, status codes, error codes.
 */
let on = false;

export function tracingOn(): boolean {
  return on;
}

/** Called by sdk.ts once the SDK is registered (and in tests of this file). */
export function setTracingOn(value: boolean): void {
  on = value;
}

const tracer = () => trace.getTracer('patron');

export { SpanKind };
export type { Context, Span };

/**
 * Runs `work` in a child span of the active context (a request's, a worker round's) when
 * tracing is on; otherwise just runs it. A failure marks the span as an error with the error's
 * name and Patron code only: messages may quote the caller's values.
 */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span | undefined) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  if (!on) return work(undefined);
  return tracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * As inSpan, but only under a span already active (a request's, a job's): work a poller does on
 * its own — a worker's claim every few hundred milliseconds — would otherwise be a trace each time.
 */
export function inChildSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!on || trace.getActiveSpan() === undefined) return work(undefined);
  return inSpan(name, attributes, work);
}

export function markFailed(span: Span, error: unknown): void {
  const code = (error as { code?: unknown }).code;
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
  if (typeof code === 'number' || typeof code === 'string') span.setAttribute('patron.error.code', code);
}

/** A server span continuing the caller's trace (W3C `traceparent`, `tracestate`) when it sent one. */
export function startServerSpan(
  name: string,
  headers: Record<string, string | string[] | undefined>,
  attributes: Attributes,
): Span {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  return tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
}

/** Runs `fn` with `span` as the active span (its children, its log lines). */
export function withActiveSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/** Adds `traceparent` (and `tracestate`) for the active span to outgoing headers. */
export function injectTraceHeaders(headers: Record<string, string>): Record<string, string> {
  if (on) propagation.inject(context.active(), headers);
  return headers;
}

/** A span's ids, for log lines (by default the active span's): {} when there is none. */
export function traceFields(span: Span | undefined = on ? trace.getActiveSpan() : undefined): {
  traceId?: string;
  spanId?: string;
} {
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
