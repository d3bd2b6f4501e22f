import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startNode } from '../helpers/cli.js';
import { buildTestApp, CUSTOMERS } from '../helpers/app.js';
import { http } from '../helpers/server.js';
import { sharedTestDatabase, TEST_STORE } from '../helpers/store.js';

const t = await buildTestApp();

type Samples = Map<string, number>;

/**
 * Parses Prometheus' text exposition format strictly enough to catch a malformed scrape: every
 * line is a HELP, a TYPE or a sample `name{label="value",…} number`. Samples are keyed by
 * name and labels as written.
 */
function parseExposition(text: string): Samples {
  const samples: Samples = new Map();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        assert.match(meta[3]!, /^(counter|gauge|histogram|summary|untyped)$/, line);
        typed.add(meta[2]!);
      }
      continue;
    }
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.]+(?:e[+-]?[0-9]+)?|nan|\+inf|-inf)$/i.exec(
        line,
      );
    assert.ok(sample, `not a valid exposition line: ${line}`);
    const family = sample[1]!.replace(/_(bucket|sum|count|total|created)$/, '');
    assert.ok(
      typed.has(sample[1]!) || typed.has(family) || typed.has(`${family}_total`),
      `sample before its TYPE: ${line}`,
    );
    samples.set(`${sample[1]}${sample[2] ?? ''}`, Number(sample[3]));
  }
  return samples;
}

async function scrape(): Promise<Samples> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parseExposition(res.body);
}

const UPSERTS_OK = 'patron_http_requests_total{route="/api/v4.0/integrations/customers",method="POST",status="200"}';
const UPSERT_SECONDS =
  'patron_http_request_duration_seconds_count{route="/api/v4.0/integrations/customers",method="POST",status="200"}';
const store = TEST_STORE;

describe(`GET /metrics (${TEST_STORE})`, () => {
  test('parses as Prometheus text and names every documented metric', async () => {
    const samples = await scrape();
    const names = new Set([...samples.keys()].map((k) => k.replace(/\{.*$/, '')));
    for (const name of [
      'patron_process_cpu_seconds_total',
      'patron_process_resident_memory_bytes',
      'patron_nodejs_eventloop_lag_seconds',
      'patron_webhook_deliveries',
      'patron_batch_jobs',
      'patron_batch_items',
    ]) {
      assert.ok(names.has(name), `${name} in ${[...names].join(', ')}`);
    }
    assert.equal(samples.get('patron_webhook_deliveries{status="dead"}'), 0);
    if (TEST_STORE === 'postgres') assert.ok((samples.get('patron_store_pool_connections{state="total"}') ?? -1) >= 0);
  });

  test('moves with traffic: requests by route and status, their latency, the write groups', async () => {
    const keys = await t.newAccount();
    const before = await scrape();
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: CUSTOMERS,
        headers: { apikey: keys.apiKey },
        payload: { customerId: `m-${i}` },
      });
      assert.equal(res.statusCode, 200);
    }
    await t.app.inject({ method: 'GET', url: `${CUSTOMERS}/nobody`, headers: { apikey: keys.apiKey } });
    const after = await scrape();
    assert.equal((after.get(UPSERTS_OK) ?? 0) - (before.get(UPSERTS_OK) ?? 0), 5);
    assert.equal((after.get(UPSERT_SECONDS) ?? 0) - (before.get(UPSERT_SECONDS) ?? 0), 5);
    const notFound =
      'patron_http_requests_total{route="/api/v4.0/integrations/customers/:customerId",method="GET",status="404"}';
    assert.ok((after.get(notFound) ?? 0) >= 1);
    const writes = `patron_store_write_group_size_count{store="${store}"}`;
    assert.ok((after.get(writes) ?? 0) - (before.get(writes) ?? 0) >= 1, 'write groups counted');
    assert.ok((after.get(`patron_store_write_duration_seconds_sum{store="${store}"}`) ?? 0) > 0);
  });
});

describe(`PATRON_METRICS_PORT (${TEST_STORE})`, () => {
  test('puts /metrics on a port of its own; the API port no longer answers it', async () => {
    const database = await sharedTestDatabase();
    const node = await startNode({ DATABASE_URL: database.url, PATRON_METRICS_PORT: '0' });
    try {
      const metricsUrl = /^Metrics at (http:\/\/\S+)$/m.exec(node.output())?.[1];
      assert.ok(metricsUrl, node.output());
      const res = await fetch(metricsUrl);
      assert.equal(res.status, 200);
      assert.ok(parseExposition(await res.text()).has('patron_process_cpu_seconds_total'));
      assert.equal((await http(node.baseUrl, 'GET', '/metrics', {})).status, 404);
    } finally {
      await node.stop();
    }
  });
});
