import type { ExpressionBuilder, Selectable } from 'kysely';
import type { BatchJobsTable, Database, Db, BatchStatus } from '../../db/database.js';
import { dbBool } from '../../db/database.js';
import type { Dialect } from '../../db/dialect.js';

export interface BatchJob {
  id: number;
  accountId: string;
  status: BatchStatus;
  totalItems: number;
  processedItems: number;
  failedItems: number;
  stopRequested: boolean;
  message: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface ItemOutcome {
  idx: number;
  gameballId: number | null;
  errorCode: number | null;
  errorMessage: string | null;
}

const ITEM_CHUNK = 500;

export async function insertJob(db: Db, accountId: string, items: unknown[], now: string): Promise<number> {
  const row = await db
    .insertInto('batch_jobs')
    .values({
      account_id: accountId,
      status: 'pending',
      total_items: items.length,
      processed_items: 0,
      failed_items: 0,
      stop_requested: dbBool(false),
      claimed_until: null,
      message: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const jobId = Number(row.id);
  for (let start = 0; start < items.length; start += ITEM_CHUNK) {
    await db
      .insertInto('batch_items')
      .values(
        items.slice(start, start + ITEM_CHUNK).map((body, i) => ({
          account_id: accountId,
          job_id: jobId,
          idx: start + i,
          body: JSON.stringify(body),
          status: 'pending' as const,
          gameball_id: null,
          error_code: null,
          error_message: null,
        })),
      )
      .execute();
  }
  return jobId;
}

/** An account's latest jobs, newest first. */
export async function listJobs(db: Db, accountId: string, limit: number): Promise<BatchJob[]> {
  const rows = await db
    .selectFrom('batch_jobs')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toJob);
}

export async function findJob(db: Db, accountId: string, id: number): Promise<BatchJob | undefined> {
  const row = await db
    .selectFrom('batch_jobs')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return row && toJob(row);
}

function toJob(row: Selectable<BatchJobsTable>): BatchJob {
  return {
    id: Number(row.id),
    accountId: row.account_id,
    status: row.status,
    totalItems: row.total_items,
    processedItems: row.processed_items,
    failedItems: row.failed_items,
    stopRequested: Boolean(row.stop_requested),
    message: row.message,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

/** A job as the statements on its rows name it: by its account (docs/distribution.md) and its id. */
export interface JobRef {
  id: number;
  accountId: string;
}

export async function listOutcomes(
  db: Db,
  job: JobRef,
): Promise<Array<ItemOutcome & { status: string; body: string | null }>> {
  const rows = await db
    .selectFrom('batch_items')
    .select(['idx', 'status', 'gameball_id', 'error_code', 'error_message'])
    // Bodies only of failed items, to name their customerId.
    .select((eb) => eb.case().when('status', '=', 'failed').then(eb.ref('body')).else(null).end().as('body'))
    .where('account_id', '=', job.accountId)
    .where('job_id', '=', job.id)
    .orderBy('idx')
    .execute();
  return rows.map((r) => ({
    idx: r.idx,
    status: r.status,
    gameballId: r.gameball_id === null ? null : Number(r.gameball_id),
    errorCode: r.error_code,
    errorMessage: r.error_message,
    body: r.body,
  }));
}

/** Takes the oldest job that is waiting, or whose node stopped renewing its claim. */
export async function claimJob(
  db: Db,
  dialect: Dialect,
  now: string,
  leaseUntil: string,
): Promise<{ id: number; accountId: string } | undefined> {
  const next = dialect.claimable(
    db
      .selectFrom('batch_jobs')
      .select('id')
      .where('status', 'in', ['pending', 'processing'])
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('id')
      .limit(1),
  );
  const row = await db
    .updateTable('batch_jobs')
    .set({ status: 'processing', claimed_until: leaseUntil, updated_at: now })
    .where('id', 'in', next)
    .returning(['id', 'account_id'])
    .executeTakeFirst();
  return row && { id: Number(row.id), accountId: row.account_id };
}

export async function pendingItems(db: Db, job: JobRef, limit: number): Promise<Array<{ idx: number; body: string }>> {
  return db
    .selectFrom('batch_items')
    .select(['idx', 'body'])
    .where('account_id', '=', job.accountId)
    .where('job_id', '=', job.id)
    .where('status', '=', 'pending')
    .orderBy('idx')
    .limit(limit)
    .execute();
}

/**
 * Records a chunk of outcomes and moves the job's counters and claim forward. Only items still
 * pending are recorded and counted: if this node's lease lapsed (a chunk slower than the lease)
 * and another node took the job over, an item both processed is counted once. Answers whether
 * this node still holds the job (its lease is the one stored), so it can stop if not.
 */
export async function recordOutcomes(
  db: Db,
  jobRef: JobRef,
  outcomes: ItemOutcome[],
  heldLease: string,
  leaseUntil: string,
  now: string,
): Promise<boolean> {
  const record = async (chunk: ItemOutcome[]): Promise<number> => {
    if (chunk.length === 0) return 0;
    // One statement per chunk: every row exists, so each "insert" becomes an update of it.
    const result = await db
      .insertInto('batch_items')
      .values(
        chunk.map((o) => ({
          account_id: jobRef.accountId,
          job_id: jobRef.id,
          idx: o.idx,
          body: '',
          status: o.errorCode === null ? ('done' as const) : ('failed' as const),
          gameball_id: o.gameballId,
          error_code: o.errorCode,
          error_message: o.errorMessage,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'job_id', 'idx'])
          .doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            gameball_id: eb.ref('excluded.gameball_id'),
            error_code: eb.ref('excluded.error_code'),
            error_message: eb.ref('excluded.error_message'),
          }))
          .where('batch_items.status', '=', 'pending'),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  };
  const done = await record(outcomes.filter((o) => o.errorCode === null));
  const failed = await record(outcomes.filter((o) => o.errorCode !== null));
  const job = db.updateTable('batch_jobs').where('account_id', '=', jobRef.accountId).where('id', '=', jobRef.id);
  const counters = (eb: ExpressionBuilder<Database, 'batch_jobs'>) => ({
    processed_items: eb('processed_items', '+', done + failed),
    failed_items: eb('failed_items', '+', failed),
    updated_at: now,
  });
  // Counters and the renewed lease in one statement while we hold the job (the usual case);
  // counters alone when another node took it over.
  const renewed = await job
    .set((eb) => ({ ...counters(eb), claimed_until: leaseUntil }))
    .where('claimed_until', '=', heldLease)
    .executeTakeFirst();
  if (Number(renewed.numUpdatedRows) === 1) return true;
  await job.set(counters).execute();
  return false;
}

export async function isStopRequested(db: Db, job: JobRef): Promise<boolean> {
  const row = await db
    .selectFrom('batch_jobs')
    .select('stop_requested')
    .where('account_id', '=', job.accountId)
    .where('id', '=', job.id)
    .executeTakeFirst();
  return Boolean(row?.stop_requested);
}

export async function finishJob(
  db: Db,
  job: JobRef,
  status: 'completed' | 'failed',
  message: string | null,
  now: string,
): Promise<void> {
  await db
    .updateTable('batch_jobs')
    .set({ status, message, claimed_until: null, updated_at: now, finished_at: now })
    .where('account_id', '=', job.accountId)
    .where('id', '=', job.id)
    .execute();
}

/** Asks a job to stop; a job nobody works on yet stops at once. */
export async function requestStop(db: Db, job: JobRef, now: string): Promise<void> {
  await db
    .updateTable('batch_jobs')
    .set({ stop_requested: dbBool(true), updated_at: now })
    .where('account_id', '=', job.accountId)
    .where('id', '=', job.id)
    .execute();
  await db
    .updateTable('batch_jobs')
    .set({ status: 'failed', message: 'Stopped by request before processing started.', finished_at: now })
    .where('account_id', '=', job.accountId)
    .where('id', '=', job.id)
    .where('status', '=', 'pending')
    .execute();
}

/** Gives up this node's claim; the job stays processing and the next claimer continues it. */
export async function releaseJob(db: Db, job: JobRef, now: string): Promise<void> {
  await db
    .updateTable('batch_jobs')
    .set({ claimed_until: null, updated_at: now })
    .where('account_id', '=', job.accountId)
    .where('id', '=', job.id)
    .where('status', '=', 'processing')
    .execute();
}

export interface JobSums {
  status: string;
  jobs: number;
  total: number;
  processed: number;
  failed: number;
}

/** Jobs and their item counts by status: one aggregate over the jobs table (one row per submitted batch). */
export async function jobSumsByStatus(db: Db): Promise<JobSums[]> {
  const rows = await db
    .selectFrom('batch_jobs')
    .select([
      'status',
      (eb) => eb.fn.countAll<number>().as('jobs'),
      (eb) => eb.fn.sum<number>('total_items').as('total'),
      (eb) => eb.fn.sum<number>('processed_items').as('processed'),
      (eb) => eb.fn.sum<number>('failed_items').as('failed'),
    ])
    .groupBy('status')
    .execute();
  return rows.map((r) => ({
    status: r.status,
    jobs: Number(r.jobs),
    total: Number(r.total ?? 0),
    processed: Number(r.processed ?? 0),
    failed: Number(r.failed ?? 0),
  }));
}
