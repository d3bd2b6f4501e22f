import { EventEmitter } from 'node:events';
import type { Store } from '../../db/connect.js';
import { AppError } from '../../errors.js';
import { unsafeJson } from '../../safe-json.js';
import { compileBodyValidator, validationError } from '../../validation.js';
import type { AccountRecord } from '../accounts/index.js';
import { UpsertCustomerRequest } from '../customers/index.js';
import { upsertCustomers } from '../customers/index.js';
import type { WriteOrigin } from '../history/index.js';
import {
  findJob,
  insertJob,
  listJobs,
  listOutcomes,
  requestStop,
  type BatchJob,
  type ItemOutcome,
} from './batches.store.js';

export const MAX_BATCH_ITEMS = 10_000;

/** Tells this process's batch worker that a job was stored. */
export const batchSignal = new EventEmitter();

const validateUpsert = compileBodyValidator(UpsertCustomerRequest);

/** Who an item's errors are told to: `secretKey` adds what only a caller who proved it may read (as the HTTP error handler does). */
export type ItemAudience = 'apiKey' | 'secretKey';

function itemFailure(
  error: unknown,
  isConnectionError: (error: unknown) => boolean,
  audience: ItemAudience = 'apiKey',
): Omit<ItemOutcome, 'idx'> {
  if (error instanceof AppError && error.status < 500) {
    const message =
      audience === 'secretKey' && error.secretDetail ? `${error.message} ${error.secretDetail}` : error.message;
    return { gameballId: null, errorCode: error.code, errorMessage: message };
  }
  // The store itself is gone: nothing of the chunk is known to be done, so the caller stops.
  if (isConnectionError(error)) throw error;
  // Anything else was isolated to this item: it fails, the others stand.
  const internal = new AppError(
    'internal',
    'The item could not be stored because of an unexpected error; it was not applied.',
  );
  return { gameballId: null, errorCode: internal.code, errorMessage: internal.message };
}

/**
 * Items exactly as POST /customers would take them: the same schema, then the same write core,
 * the whole list at once. A bad item yields its error; only a fault of the store is thrown.
 * `audience` is who will read the errors, as the single request's keys would decide.
 */
export async function upsertItems(
  store: Store,
  account: AccountRecord,
  raws: readonly unknown[],
  originOf: (index: number) => WriteOrigin = () => ({ operation: 'batch item', requestId: undefined }),
  audience: ItemAudience = 'apiKey',
): Promise<Array<Omit<ItemOutcome, 'idx'>>> {
  const outcomes: Array<Omit<ItemOutcome, 'idx'> | undefined> = raws.map((raw) => {
    // Import rows reach here without the HTTP body check: the same bounds apply to them.
    const unsafe = unsafeJson(raw);
    if (unsafe) return itemFailure(unsafe, store.dialect.isConnectionError);
    if (!validateUpsert(raw))
      return itemFailure(validationError(validateUpsert.errors ?? [], 'body'), store.dialect.isConnectionError);
    return undefined;
  });
  const validIndexes = raws.flatMap((_, i) => (outcomes[i] === undefined ? [i] : []));
  const valid = validIndexes.map((i) => raws[i]) as UpsertCustomerRequest[];
  const results = valid.length > 0 ? await upsertCustomers(store, account, valid, validIndexes.map(originOf)) : [];
  let next = 0;
  return outcomes.map((outcome) => {
    if (outcome) return outcome;
    const result = results[next++]!;
    return result.ok
      ? { gameballId: result.result.gameballId, errorCode: null, errorMessage: null }
      : itemFailure(result.error, store.dialect.isConnectionError, audience);
  });
}

export async function submitBatch(store: Store, account: AccountRecord, items: unknown[]): Promise<{ jobId: number }> {
  const jobId = await store.write(({ db }) => insertJob(db, account.id, items, new Date().toISOString()));
  batchSignal.emit('queued');
  return { jobId };
}

function parseBatchId(batchId: string): number {
  const id = Number(batchId);
  if (!/^\d+$/.test(batchId) || !Number.isSafeInteger(id))
    throw new AppError('notFound', `No batch with id "${batchId}".`);
  return id;
}

async function jobOf(store: Store, account: AccountRecord, batchId: string) {
  const job = await findJob(store.db, account.id, parseBatchId(batchId));
  if (!job) throw new AppError('notFound', `No batch with id "${batchId}" in this account.`);
  return job;
}

function customerIdOf(body: string | null): string | undefined {
  if (!body) return undefined;
  const parsed: unknown = JSON.parse(body);
  const id =
    typeof parsed === 'object' && parsed !== null ? (parsed as { customerId?: unknown }).customerId : undefined;
  return typeof id === 'string' ? id : undefined;
}

export async function getBatchStatus(store: Store, account: AccountRecord, batchId: string) {
  const job = await jobOf(store, account, batchId);
  const outcomes = await listOutcomes(store.db, job);
  return {
    batchId: String(job.id),
    jobId: job.id,
    status: job.status,
    progress: job.totalItems === 0 ? 100 : Math.floor((job.processedItems / job.totalItems) * 10000) / 100,
    totalItems: job.totalItems,
    processedItems: job.processedItems,
    failedItems: job.failedItems,
    results: outcomes.map((o) => o.gameballId),
    errors: outcomes
      .filter((o) => o.status === 'failed')
      .map((o) => ({
        index: o.idx,
        customerId: customerIdOf(o.body) ?? null,
        code: o.errorCode,
        message: o.errorMessage,
      })),
    ...(job.message !== null && { message: job.message }),
    createdAt: job.createdAt,
    ...(job.finishedAt !== null && { finishedAt: job.finishedAt }),
  };
}

export async function stopBatch(
  store: Store,
  account: AccountRecord,
  batchId: string,
): Promise<{ batchId: string; status: string; message: string }> {
  const job = await jobOf(store, account, batchId);
  if (job.status === 'completed' || job.status === 'failed') {
    return {
      batchId: String(job.id),
      status: job.status,
      message: `The batch has already ended (${job.status}); nothing to stop.`,
    };
  }
  await requestStop(store.db, job, new Date().toISOString());
  const after = await jobOf(store, account, batchId);
  return {
    batchId: String(job.id),
    status: after.status,
    message:
      after.status === 'failed'
        ? 'Stopped before processing started.'
        : 'Stopping: items already processed stay; the rest are not processed.',
  };
}

/** An account's newest jobs, newest first (the console's list). */
export function recentJobs(store: Store, accountId: string, limit: number): Promise<BatchJob[]> {
  return listJobs(store.db, accountId, limit);
}

/** One job of an account, if it is the account's (the console's job page). */
export function findAccountJob(store: Store, accountId: string, id: number): Promise<BatchJob | undefined> {
  return findJob(store.db, accountId, id);
}
