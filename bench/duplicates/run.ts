// `npm run bench:duplicates`: how good the possible-duplicate suggestions are, how fast they are
// scored, and what they cost the write path (docs/duplicates.md "How good the suggestions are").
// 1. Quality: a labelled data set (bench/duplicates/generate.ts, evaluation seed 2; the weights were
//    set on seed 1) is loaded through the API of an in-process node, whose worker scores it; the
//    suggestions (stored from 0.3) are compared with the labels at several thresholds.
// 2. Throughput: `patron duplicates scan`'s scoring of an account of SCAN_PROFILES profiles, on each
//    store, with the heap it needed at a tenth of the size and at full size.
// 3. Write cost: creates with detection on (the queue row, and the worker scoring beside them) and
//    off, alternated round by round in one run, each round from an empty queue; the median of on ÷ off.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { connect, type Store } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { changeAccount, createAccount, findAccountRecord } from '../../src/modules/accounts/accounts.service.js';
import type { AccountRecord } from '../../src/modules/accounts/accounts.types.js';
import { pendingProfileChanges } from '../../src/modules/customers/index.js';
import { upsertCustomer, upsertCustomers } from '../../src/modules/customers/upsert.engine.js';
import { DuplicatesWorker, scanAccount, scoreRound } from '../../src/modules/duplicates/index.js';
import { startTestPostgres, type TestPostgres } from '../../test/helpers/postgres-server.js';
import { generateDataSet, labelledPairs, pairKey, type GeneratedRecord } from './generate.js';

const { values: args } = parseArgs({
  options: {
    people: { type: 'string', default: '4000' },
    'scan-profiles': { type: 'string', default: '100000' },
    'pg-scan-profiles': { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '8' },
    only: { type: 'string' },
    'no-worker': { type: 'boolean', default: false },
  },
});
const PEOPLE = Number(args.people);
const SCAN_PROFILES = Number(args['scan-profiles']);
const PG_SCAN_PROFILES = Number(args['pg-scan-profiles']);
const ROUNDS = Number(args.rounds);
const THRESHOLDS = [0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];
const silent = pino({ level: 'silent' });
const results: Record<string, unknown> = { at: new Date().toISOString(), people: PEOPLE };

const asBody = (r: GeneratedRecord) => ({
  customerId: r.customerId,
  ...(r.email && { email: r.email }),
  ...(r.mobile && { mobile: r.mobile }),
  customerAttributes: r.customerAttributes,
});

async function waitForQueue(store: Store, accountId: string): Promise<void> {
  while ((await pendingProfileChanges(store, accountId)) > 0) await new Promise((r) => setTimeout(r, 100));
}

/** 1. Precision and recall at each threshold, through the API and the worker. */
async function quality(store: Store): Promise<void> {
  const data = generateDataSet({ seed: 2, people: PEOPLE });
  const truth = labelledPairs(data);
  const { account, keys } = await createAccount(store, 'duplicates-quality', {
    mergeBy: 'none',
    defaultCountry: 'EG',
    duplicateThreshold: 0.3,
  });
  const record = (await findAccountRecord(store, account.id))!;
  const app = await buildApp({ store, logLevel: 'silent' });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const worker = new DuplicatesWorker(store, 50, silent);
  worker.start();
  const byGameballId = new Map<number, string>();
  let rejected = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < data.records.length) {
        const r = data.records[next++]!;
        const res = await fetch(`${base}/api/v4.0/integrations/customers`, {
          method: 'POST',
          headers: { apikey: keys.apiKey, 'content-type': 'application/json' },
          body: JSON.stringify(asBody(r)),
        });
        const body = (await res.json()) as { gameballId?: number; message?: string };
        if (res.ok) byGameballId.set(body.gameballId!, r.customerId);
        else rejected++;
      }
    }),
  );
  const loaded = performance.now() - started;
  await waitForQueue(store, record.id);
  const scoredIn = performance.now() - started;
  const scores = new Map<string, number>();
  for (let after = 0; ;) {
    const res = await fetch(`${base}/api/v4.0/integrations/duplicates?limit=100&startAfter=${after}`, {
      headers: { apikey: keys.apiKey, secretkey: keys.secretKey },
    });
    const page = (await res.json()) as {
      suggestions: Array<{ id: number; score: number; profiles: Array<{ gameballId: number }> }>;
      hasMore: boolean;
    };
    for (const s of page.suggestions) {
      const [a, b] = s.profiles.map((p) => byGameballId.get(p.gameballId)!);
      scores.set(pairKey(a!, b!), s.score);
      after = s.id;
    }
    if (!page.hasMore) break;
  }
  await worker.stop();
  await app.close();
  const rows = THRESHOLDS.map((threshold) => {
    const suggested = [...scores].filter(([, score]) => score >= threshold).map(([key]) => key);
    const tp = suggested.filter((key) => truth.has(key)).length;
    const precision = suggested.length === 0 ? 1 : tp / suggested.length;
    const recall = tp / truth.size;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { threshold, suggested: suggested.length, truePairs: tp, precision, recall, f1 };
  });
  const hardNegatives = data.hardNegativePairs.filter(([a, b]) => (scores.get(pairKey(a, b)) ?? 0) >= 0.8).length;
  results.quality = {
    records: data.records.length,
    rejected,
    labelledPairs: truth.size,
    hardNegativePairs: data.hardNegativePairs.length,
    hardNegativesSuggestedAt08: hardNegatives,
    loadSeconds: loaded / 1000,
    loadAndScoreSeconds: scoredIn / 1000,
    rows,
  };
  console.log(
    `quality: ${data.records.length} records (${rejected} rejected), ${truth.size} labelled pairs, ${data.hardNegativePairs.length} hard negatives (${hardNegatives} suggested at 0.8); loaded in ${(loaded / 1000).toFixed(1)} s, scored by ${(scoredIn / 1000).toFixed(1)} s`,
  );
  console.log('| threshold | suggested | true | precision | recall | F1 |\n|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.threshold} | ${r.suggested} | ${r.truePairs} | ${r.precision.toFixed(3)} | ${r.recall.toFixed(3)} | ${r.f1.toFixed(3)} |`,
    );
}

/** Loads an account of `size` generated profiles with detection off (set-wise, as an import would). */
async function loadAccount(store: Store, name: string, size: number, seed: number): Promise<AccountRecord> {
  const { account } = await createAccount(store, name, { mergeBy: 'none', duplicateDetection: false });
  const record = (await findAccountRecord(store, account.id))!;
  const records = generateDataSet({ seed, people: Math.ceil(size / 1.32) }).records.slice(0, size);
  for (let i = 0; i < records.length; i += 500)
    await upsertCustomers(
      store,
      record,
      records.slice(i, i + 500).map((r) => ({ ...asBody(r), customerId: `${name}-${r.customerId}` }) as never),
    );
  await changeAccount(store, account.id, { duplicateDetection: true });
  return (await findAccountRecord(store, account.id))!;
}

/** 2. `duplicates scan` of a whole account: profiles per second, and the heap it needed. */
async function throughput(label: string, store: Store, size: number): Promise<void> {
  const out: Record<string, unknown> = {};
  for (const n of [Math.round(size / 10), size]) {
    const account = await loadAccount(store, `scan-${n}`, n, 3);
    // Retained heap, not garbage: collected before the scan and every 25th round of it.
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    let rounds = 0;
    const started = performance.now();
    const done = await scanAccount(store, account.id, () => {
      if (gc && ++rounds % 25 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    });
    const seconds = (performance.now() - started) / 1000;
    out[n] = {
      profiles: done.scored,
      seconds,
      perSecond: done.scored / seconds,
      heapGrowthMb: (peak - base) / 2 ** 20,
    };
    console.log(
      `${label} scan of ${n} profiles: ${seconds.toFixed(1)} s, ${Math.round(done.scored / seconds)} profiles/s, retained heap grew at most ${((peak - base) / 2 ** 20).toFixed(1)} MB`,
    );
  }
  results[`${label}Scan`] = out;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** 3. Creates per second with detection on (and the worker scoring beside them) ÷ off, alternated. */
async function writeCost(label: string, store: Store): Promise<void> {
  const records = generateDataSet({ seed: 4, people: 60_000 }).records;
  let next = 0;
  const on = (await createAccount(store, 'writes-on', { mergeBy: 'none' })).account;
  const off = (await createAccount(store, 'writes-off', { mergeBy: 'none', duplicateDetection: false })).account;
  const accounts = { on: (await findAccountRecord(store, on.id))!, off: (await findAccountRecord(store, off.id))! };
  const worker = new DuplicatesWorker(store, 50, silent);
  // --no-worker: the queue row's cost alone.
  if (!args['no-worker']) worker.start();
  const rate = async (account: AccountRecord) => {
    let done = 0;
    const end = performance.now() + 5000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (performance.now() < end) {
          const r = records[next++ % records.length]!;
          await upsertCustomer(store, account, { ...asBody(r), customerId: `${next}-${r.customerId}` } as never);
          done++;
        }
      }),
    );
    return done / ((performance.now() - started) / 1000);
  };
  const ratios: number[] = [];
  const rates = { on: [] as number[], off: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    const measured: Record<string, number> = {};
    for (const mode of order) {
      // Each round starts with nothing queued (drained untimed): a round measures its own burst only.
      while ((await scoreRound(store)) > 0);
      measured[mode] = await rate(accounts[mode]);
    }
    rates.on.push(measured.on!);
    rates.off.push(measured.off!);
    ratios.push(measured.on! / measured.off!);
  }
  const backlog = await pendingProfileChanges(store, on.id);
  await worker.stop();
  results[`${label}WriteCost`] = { rates, ratios, median: median(ratios), backlogAfter: backlog };
  console.log(
    `${label} creates: detection on ${Math.round(median(rates.on))}/s, off ${Math.round(median(rates.off))}/s, on ÷ off per round ${ratios.map((r) => r.toFixed(3)).join(' ')}, median ${median(ratios).toFixed(3)} (queue left behind the burst: ${backlog})`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'patron-duplicates-'));
let pg: TestPostgres | undefined;
const open = async (url: string) => {
  const store = connect(url);
  await migrateToLatest(store);
  return store;
};
try {
  const only = args.only?.split(',');
  const wants = (part: string) => !only || only.includes(part);
  if (wants('quality')) {
    const store = await open(`sqlite:${join(dir, 'quality.sqlite')}`);
    await quality(store);
    await store.close();
  }
  if (wants('writes')) {
    const store = await open(`sqlite:${join(dir, 'writes.sqlite')}`);
    await writeCost('sqlite', store);
    await store.close();
  }
  if (wants('scan')) {
    const store = await open(`sqlite:${join(dir, 'scan.sqlite')}`);
    await throughput('sqlite', store, SCAN_PROFILES);
    await store.close();
  }
  if (wants('pg')) {
    pg = await startTestPostgres({ own: true });
    const store = await open(await pg.createDatabase(`duplicates_${process.pid}`));
    await writeCost('postgres', store);
    await throughput('postgres', store, PG_SCAN_PROFILES);
    await store.close();
  }
  const file = join('bench', 'results', `duplicates-${new Date().toISOString().slice(0, 16).replace(':', '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results: ${file}`);
} finally {
  await pg?.destroy();
  rmSync(dir, { recursive: true, force: true });
}
