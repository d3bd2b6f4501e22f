export { startTracing, stopTracing, tracingWanted } from './sdk.js';
export {
  injectTraceHeaders,
  inChildSpan,
  inSpan,
  markFailed,
  SpanKind,
  startServerSpan,
  traceFields,
  tracingOn,
  withActiveSpan,
  type Span,
} from './tracing.js';
