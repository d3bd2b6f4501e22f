import { setTracingOn } from './tracing.js';

type Env = Record<string, string | undefined>;

/**
 * Whether the process should trace: any standard `OTEL_*` variable asks for it, unless
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` says not to. Nothing set: the SDK is
 * never loaded (docs/operations.md "Tracing").
 */
export function tracingWanted(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return Object.keys(env).some((name) => name.startsWith('OTEL_') && env[name] !== '');
}

let stop: (() => Promise<void>) | undefined;

/**
 * Starts the OpenTelemetry Node SDK, configured by the process's `OTEL_*` variables alone
 * (exporter, protocol, endpoint, headers, sampler, resource, batching): traces only — Patron's
 * metrics are Prometheus' (/metrics) and its logs are pino's, so the SDK exports neither.
 * `service.name` is `patron` unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES names it.
 */
export async function startTracing(env: Env = process.env): Promise<boolean> {
  if (stop || !tracingWanted(env)) return stop !== undefined;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const named = env.OTEL_SERVICE_NAME || /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  const sdk = new NodeSDK({
    ...(!named && { serviceName: 'patron' }),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  setTracingOn(true);
  stop = async () => {
    setTracingOn(false);
    await sdk.shutdown();
  };
  return true;
}

/** Exports the spans still buffered, then stops the SDK (the process is about to end). */
export async function stopTracing(): Promise<void> {
  const stopping = stop;
  stop = undefined;
  await stopping?.();
}
