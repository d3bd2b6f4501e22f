// `npm run bench:explain`: how long GET …/identity (the explanation) takes on a profile with
// 1,000 history entries, on each store — the service alone, as the route only shapes the answer.
// Prints p50 and p95 of 200 explanations and of 200 plain reads of the same profile (the baseline).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Store } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createAccount, findAccountRecord } from '../src/modules/accounts/accounts.service.js';
import { explainCustomer } from '../src/modules/customers/identity-explanation.service.js';
import { getCustomer } from '../src/modules/customers/customers.service.js';
import { upsertCustomer } from '../src/modules/customers/upsert.engine.js';
import { startTestPostgres, type TestPostgres } from '../test/helpers/postgres-server.js';

const ENTRIES = 1_000;
const RUNS = 200;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function timed(run: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
}

async function measure(name: string, store: Store): Promise<void> {
  await migrateToLatest(store);
  const { account } = await createAccount(store, 'explain', { mergeBy: 'email' });
  const record = (await findAccountRecord(store, account.id))!;
  await upsertCustomer(store, record, { customerId: 'c-0', email: 'many@shop.io' } as never);
  for (let i = 1; i < ENTRIES; i++) {
    // Every other write a new customerId joins by the email: merges as well as updates in the history.
    const customerId = i % 50 === 0 ? `c-${i}` : 'c-0';
    await upsertCustomer(store, record, {
      customerId,
      email: 'many@shop.io',
      customerAttributes: { visits: i },
    } as never);
  }
  const explain = await timed(() => explainCustomer(store, record, 'c-0'));
  const read = await timed(() => getCustomer(store, record, 'c-0'));
  const ms = (n: number) => n.toFixed(2);
  console.log(
    `${name}: explanation of a profile with ${ENTRIES} entries p50 ${ms(explain.p50)} ms, p95 ${ms(explain.p95)} ms; plain read p50 ${ms(read.p50)} ms, p95 ${ms(read.p95)} ms`,
  );
  await store.close();
}

const dir = mkdtempSync(join(tmpdir(), 'patron-explain-'));
let pg: TestPostgres | undefined;
try {
  await measure('sqlite', connect(`sqlite:${join(dir, 'patron.sqlite')}`));
  pg = await startTestPostgres({ own: true });
  await measure('postgres', connect(await pg.createDatabase(`explain_${process.pid}`)));
} finally {
  await pg?.destroy();
  rmSync(dir, { recursive: true, force: true });
}
