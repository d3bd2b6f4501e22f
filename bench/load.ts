// The load generator: a separate process (forked by bench/run.ts) so autocannon's CPU is not
// the server's. Each message runs one workload: a warm-up whose numbers are dropped, then the
// measured run.
import autocannon from 'autocannon';
import { serveIpc } from './processes.js';
import { requestGenerator, type LoadSpec } from './workloads.js';

export interface LoadResult {
  /** 2xx answers per second over the measured run. */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** 2xx answers during the warm-up (they also write rows). */
  warmupOk: number;
}

function run(spec: LoadSpec, phase: string, durationSec: number): Promise<autocannon.Result> {
  const next = requestGenerator(spec.kind, spec.target, phase);
  const headers = { apikey: spec.target.apiKey, 'content-type': 'application/json' };
  return autocannon({
    url: spec.target.baseUrl,
    connections: spec.connections,
    duration: durationSec,
    // autocannon stops on its next sample tick (1 s by default), which would round short smoke runs up.
    sampleInt: durationSec < 2 ? 100 : 1000,
    // A fresh request (new id, random existing id) for every request sent.
    requests: [{ setupRequest: (request) => ({ ...request, ...next(), headers }) }],
  });
}

async function handle(spec: LoadSpec): Promise<LoadResult> {
  const warm = spec.warmupSec > 0 ? await run(spec, 'w', spec.warmupSec) : undefined;
  const r = await run(spec, 'm', spec.durationSec);
  const ok = r['2xx'];
  return {
    rps: Math.round(ok / r.duration),
    ok,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationSec: r.duration,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.mean },
    warmupOk: warm?.['2xx'] ?? 0,
  };
}

serveIpc(handle);
