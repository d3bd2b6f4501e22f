// The batch workload: K batches of new customers submitted back to back to a running Patron
// (POST /batch/customers), then followed until every job has ended. Its rate is items ÷ (first
// submit → last job's finishedAt), so submitting, queueing and processing all count.
import { setTimeout as sleep } from 'node:timers/promises';
import { customerBody, EMAIL_DOMAIN } from './workloads.js';

const SUBMIT_PATH = '/api/v4.0/integrations/batch/customers';
const statusPath = (jobId: number) => `/api/v4.0/integrations/batches/${jobId}/status`;

export interface BatchSpec {
  baseUrl: string;
  apiKey: string;
  secretKey: string;
  batches: number;
  batchSize: number;
  /** Makes the new customerIds unique across runs. */
  tag: string;
}

export interface BatchResult {
  batches: number;
  batchSize: number;
  items: number;
  /** First submit to the last answer of the submissions (the jobs run meanwhile). */
  submitSec: number;
  /** First submit to the latest `finishedAt` of the jobs. */
  elapsedSec: number;
  customersPerSec: number;
  processedItems: number;
  failedItems: number;
  /** Jobs that did not end as `completed`, and the first item errors, for the failure message. */
  problems: string[];
  /** Status requests made while waiting (each reads the job's items on the server). */
  polls: number;
}

interface JobStatus {
  status: 'pending' | 'processing' | 'completed' | 'failed';
  totalItems: number;
  processedItems: number;
  failedItems: number;
  errors: Array<{ index: number; code: number | null; message: string | null }>;
  message?: string;
  finishedAt?: string;
}

/** Polling reads every item's outcome on the server, so not too often; the rate uses finishedAt. */
const POLL_MS = 200;
/** A job whose processedItems does not move for this long is stuck: the run fails rather than hangs. */
const STALL_MS = 60_000;

/** Request bodies, serialised before the clock starts: the client's JSON work is not Patron's. */
function batchBodies(spec: BatchSpec): string[] {
  return Array.from({ length: spec.batches }, (_, b) => {
    const items = Array.from({ length: spec.batchSize }, (_, i) => {
      const n = b * spec.batchSize + i;
      const id = `batch-${spec.tag}-${n}`;
      return customerBody(id, `${id}${EMAIL_DOMAIN}`, n);
    });
    return JSON.stringify({ body: items });
  });
}

async function call<T>(spec: BatchSpec, method: 'GET' | 'POST', path: string, body?: string): Promise<T> {
  const headers: Record<string, string> = { apikey: spec.apiKey, secretkey: spec.secretKey };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${spec.baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Waits until the job has ended; fails if it makes no progress for STALL_MS. */
async function awaitJob(spec: BatchSpec, jobId: number, onPoll: () => void): Promise<JobStatus> {
  let progressAt = Date.now();
  let processed = -1;
  for (;;) {
    onPoll();
    const s = await call<JobStatus>(spec, 'GET', statusPath(jobId));
    if (s.status === 'completed' || s.status === 'failed') return s;
    if (s.processedItems !== processed) [processed, progressAt] = [s.processedItems, Date.now()];
    if (Date.now() - progressAt > STALL_MS)
      throw new Error(`batch job ${jobId} stuck at ${processed}/${s.totalItems} items (${s.status})`);
    await sleep(POLL_MS);
  }
}

function problemsOf(jobId: number, s: JobStatus, expected: number): string[] {
  const out: string[] = [];
  if (s.status !== 'completed') out.push(`job ${jobId} ended ${s.status}: ${s.message ?? ''}`);
  if (s.processedItems !== expected) out.push(`job ${jobId} processed ${s.processedItems} of ${expected} items`);
  for (const e of s.errors.slice(0, 3)) out.push(`job ${jobId} item ${e.index}: ${e.code ?? '?'} ${e.message ?? ''}`);
  return out;
}

export async function runBatchWorkload(spec: BatchSpec): Promise<BatchResult> {
  const bodies = batchBodies(spec);
  const started = Date.now();
  const jobIds: number[] = [];
  for (const body of bodies) {
    const answer = await call<{ jobId: number; totalItems: number }>(spec, 'POST', SUBMIT_PATH, body);
    if (answer.totalItems !== spec.batchSize)
      throw new Error(`batch ${answer.jobId} accepted ${answer.totalItems} of ${spec.batchSize} items`);
    jobIds.push(answer.jobId);
  }
  const submitted = Date.now();

  // Oldest first: a node runs its jobs in id order, so later ones are usually done by the time
  // their turn to be polled comes.
  let polls = 0;
  let finishedAt = submitted;
  const result = { processedItems: 0, failedItems: 0, problems: [] as string[] };
  for (const jobId of jobIds) {
    const s = await awaitJob(spec, jobId, () => polls++);
    // Same host, same clock: the server's finishedAt avoids the polling interval's rounding.
    finishedAt = Math.max(finishedAt, s.finishedAt ? Date.parse(s.finishedAt) : Date.now());
    result.processedItems += s.processedItems;
    result.failedItems += s.failedItems;
    result.problems.push(...problemsOf(jobId, s, spec.batchSize));
  }
  const items = spec.batches * spec.batchSize;
  const elapsedSec = Math.max(0.001, (finishedAt - started) / 1000);
  return {
    batches: spec.batches,
    batchSize: spec.batchSize,
    items,
    submitSec: (submitted - started) / 1000,
    elapsedSec,
    customersPerSec: Math.round(items / elapsedSec),
    ...result,
    polls,
  };
}
