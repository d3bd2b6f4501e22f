// `npm run bench:protection`: what merge protection costs a merging account's writes, on each store.
// Two accounts in one store, merging by email and mobile: one with protection as shipped (the
// built-in list, a cap of 10, five values of its own, two of them /regexes/), one with it off (no
// built-in list, no cap, no list). Rounds alternate between them (create: a new customerId with a
// new email and mobile; update: an existing customerId re-sending its identifiers with a changed
// attribute); the ratio on ÷ off is taken per round and the median reported. The service alone, in
// one process: the HTTP layer is the same either way. (Each profile's customerId count is read in
// the resolving statement whatever the settings; the round-trip test holds its statement count.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Store } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { createAccount, findAccountRecord } from '../src/modules/accounts/accounts.service.js';
import type { AccountRecord, AccountSettings } from '../src/modules/accounts/accounts.types.js';
import { upsertCustomer } from '../src/modules/customers/upsert.engine.js';
import { startTestPostgres, type TestPostgres } from '../test/helpers/postgres-server.js';

const ROUNDS = 4;
const SECONDS = 2;
const CALLERS = 20;
const SEEDED = 2_000;

const ON: Partial<AccountSettings> = {
  mergeBy: 'email,mobile',
  defaultCountry: 'EG',
  mergeBlocks: [
    'front-desk@shop.io',
    '01000000001',
    'store@shop.io',
    '/^kiosk\\d+@shop\\.io$/',
    '/^\\+2010000000\\d\\d$/',
  ],
};
const OFF: Partial<AccountSettings> = {
  mergeBy: 'email,mobile',
  defaultCountry: 'EG',
  defaultMergeBlocks: false,
  mergeCap: 0,
};

const mobile = (n: number) => `+2010${String(10_000_000 + n).slice(-8)}`;

async function account(store: Store, name: string, settings: Partial<AccountSettings>): Promise<AccountRecord> {
  const { account } = await createAccount(store, name, settings);
  const record = (await findAccountRecord(store, account.id))!;
  for (let i = 0; i < SEEDED; i++)
    await upsertCustomer(store, record, { customerId: `s-${i}`, email: `s-${i}@shop.io`, mobile: mobile(i) } as never);
  return record;
}

/** Writes per second with CALLERS concurrent callers for SECONDS. */
async function rate(store: Store, record: AccountRecord, kind: 'create' | 'update', tag: string): Promise<number> {
  let done = 0;
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (performance.now() < end) {
        const i = n++;
        const body =
          kind === 'create'
            ? { customerId: `${tag}-${i}`, email: `${tag}-${i}@shop.io`, mobile: mobile(SEEDED + 100_000 + i) }
            : { customerId: `s-${i % SEEDED}`, email: `s-${i % SEEDED}@shop.io`, customerAttributes: { visits: i } };
        await upsertCustomer(store, record, body as never);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(name: string, store: Store): Promise<void> {
  await migrateToLatest(store);
  const on = await account(store, 'protection-on', ON);
  const off = await account(store, 'protection-off', OFF);
  for (const kind of ['create', 'update'] as const) {
    const ratios: number[] = [];
    const rates = { on: [] as number[], off: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so a drift of the machine weighs on both.
      const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
      const measured: Record<string, number> = {};
      for (const mode of order)
        measured[mode] = await rate(store, mode === 'on' ? on : off, kind, `${mode}-${kind}-${round}`);
      rates.on.push(measured.on!);
      rates.off.push(measured.off!);
      ratios.push(measured.on! / measured.off!);
    }
    console.log(
      `${name} ${kind}: protection on ${Math.round(median(rates.on))}/s, off ${Math.round(median(rates.off))}/s, on ÷ off per round ${ratios.map((r) => r.toFixed(3)).join(' ')}, median ${median(ratios).toFixed(3)}`,
    );
  }
  await store.close();
}

const dir = mkdtempSync(join(tmpdir(), 'patron-protection-'));
let pg: TestPostgres | undefined;
try {
  await measure('sqlite', connect(`sqlite:${join(dir, 'patron.sqlite')}`));
  pg = await startTestPostgres({ own: true });
  await measure('postgres', connect(await pg.createDatabase(`protection_${process.pid}`)));
} finally {
  await pg?.destroy();
  rmSync(dir, { recursive: true, force: true });
}
