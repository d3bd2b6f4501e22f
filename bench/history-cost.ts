// What profile history costs the write path, measured in one run with history on and off
// alternated round by round (this machine's speed drifts by a fifth between runs, so only
// figures taken side by side compare). The service layer without HTTP, in this process:
//   lists  — upsertCustomers over lists of new customers, the batch and import path;
//   create — single creates from 32 concurrent callers (the group commit gathers them);
//   update — single updates of seeded customers, every attribute changed (the worst case);
//   touch  — single updates that change one attribute (totalOrders), the common case.
// Usage: npm run bench:history -- [--stores sqlite,postgres] [--rounds 6] [--seconds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect, type Store } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createAccount, findAccountRecord } from '../src/modules/accounts/accounts.service.js';
import type { AccountRecord } from '../src/modules/accounts/accounts.types.js';
import type { UpsertCustomerRequest } from '../src/modules/customers/customers.schemas.js';
import { upsertCustomer, upsertCustomers } from '../src/modules/customers/upsert.engine.js';
import { startTestPostgres, type TestPostgres } from '../test/helpers/postgres-server.js';
import { customerBody } from './workloads.js';

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: 'sqlite,postgres' },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '3' },
  },
});
const stores = values.stores.split(',') as Array<'sqlite' | 'postgres'>;
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const CONCURRENCY = 32;
const LIST = 500;
const SEEDED = 2_000;

type Workload = 'lists' | 'create' | 'update' | 'touch';
const WORKLOADS: Workload[] = ['lists', 'create', 'update', 'touch'];

let pg: TestPostgres | undefined;
let databases = 0;
async function freshStore(kind: 'sqlite' | 'postgres', history: boolean): Promise<{ store: Store; cleanup(): void }> {
  let url: string;
  let cleanup = () => undefined as void;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'patron-history-cost-'));
    url = `sqlite:${join(dir, 'patron.sqlite')}`;
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  } else {
    pg ??= await startTestPostgres({ own: true });
    url = await pg.createDatabase(`history_cost_${process.pid}_${databases++}`);
  }
  const store = connect(url, { recordsHistory: history });
  await migrateToLatest(store);
  return { store, cleanup };
}

const body = (tag: string, n: number) =>
  customerBody(`${tag}-${n}`, `${tag}-${n}@bench.patron.io`, n) as unknown as UpsertCustomerRequest;

/** Operations per second of one workload for `seconds`. */
async function measure(store: Store, account: AccountRecord, workload: Workload, tag: string): Promise<number> {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  if (workload === 'lists') {
    const origins = Array.from({ length: LIST }, (_, i) => ({
      operation: 'batch item' as const,
      requestId: `batch 1 item ${i}`,
    }));
    while (performance.now() < end) {
      await upsertCustomers(
        store,
        account,
        Array.from({ length: LIST }, (_, i) => body(tag, done + i)),
        origins,
      );
      done += LIST;
    }
  } else {
    let n = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const i = n++;
          await upsertCustomer(store, account, requestOf(workload, tag, i));
          done++;
        }
      }),
    );
  }
  return Math.round(done / ((performance.now() - started) / 1000));
}

/** One single request of a workload; customerBody varies every attribute with n. */
function requestOf(workload: Exclude<Workload, 'lists'>, tag: string, i: number): UpsertCustomerRequest {
  if (workload === 'create') return body(tag, i);
  const seeded = `seed-${i % SEEDED}`;
  if (workload === 'update')
    return { customerId: seeded, customerAttributes: body('seed', i + 7).customerAttributes } as UpsertCustomerRequest;
  return { customerId: seeded, customerAttributes: { totalOrders: i } } as UpsertCustomerRequest;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
};

for (const kind of stores) {
  const ratios = Object.fromEntries(WORKLOADS.map((w) => [w, [] as number[]])) as Record<Workload, number[]>;
  const rates = Object.fromEntries(WORKLOADS.map((w) => [w, { on: [] as number[], off: [] as number[] }])) as Record<
    Workload,
    { on: number[]; off: number[] }
  >;
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so neither always runs on a warmer machine.
    const order = round % 2 === 0 ? [true, false] : [false, true];
    const got: Record<string, Record<Workload, number>> = {};
    for (const history of order) {
      const { store, cleanup } = await freshStore(kind, history);
      const { account: created } = await createAccount(store, 'bench');
      const account = (await findAccountRecord(store, created.id))!;
      for (let start = 0; start < SEEDED; start += LIST)
        await upsertCustomers(
          store,
          account,
          Array.from({ length: LIST }, (_, i) => body('seed', start + i)),
        );
      const mode = history ? 'on' : 'off';
      got[mode] = { lists: 0, create: 0, update: 0, touch: 0 };
      for (const workload of WORKLOADS)
        got[mode]![workload] = await measure(store, account, workload, `${mode}${round}${workload}`);
      await store.close();
      cleanup();
    }
    for (const workload of WORKLOADS) {
      rates[workload].on.push(got.on![workload]);
      rates[workload].off.push(got.off![workload]);
      ratios[workload].push(got.on![workload] / got.off![workload]);
    }
    console.log(
      `${kind} round ${round + 1}: ${WORKLOADS.map((w) => `${w} ${got.on![w]}/${got.off![w]}`).join(', ')} (on/off per second)`,
    );
  }
  for (const workload of WORKLOADS) {
    console.log(
      `${kind} ${workload}: history on ÷ off = ${median(ratios[workload]).toFixed(2)} (median of ${rounds} rounds; on ${rates[workload].on.join(', ')}; off ${rates[workload].off.join(', ')})`,
    );
  }
}
await pg?.destroy();
