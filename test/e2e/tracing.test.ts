import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCliProcess, startServe } from '../helpers/cli.js';
import { startReceiver, type Received } from '../helpers/receiver.js';
import { http } from '../helpers/server.js';
import { CUSTOMERS } from '../helpers/app.js';
import { sharedTestDatabase } from '../helpers/store.js';
import { waitUntil } from '../helpers/wait.js';

// OpenTelemetry as an operator turns it on (docs/operations.md "Tracing"): only OTEL_* variables,
// spans exported over OTLP/HTTP in JSON to a collector this test runs.
const database = await sharedTestDatabase();
const collector = await startReceiver();
const hooks = await startReceiver();
const account = await database.newAccount({}, 'traced');
await database.subscribe(account.id, hooks.url, ['customer.profile.updated']);
const otel = {
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_SERVICE_NAME: 'patron-under-test',
  OTEL_BSP_SCHEDULE_DELAY: '50',
};
const env = {
  DATABASE_URL: database.url,
  LOG_LEVEL: 'info',
  PATRON_WORKER_POLL_MS: '100',
  PATRON_WEBHOOK_ALLOW_PRIVATE: 'true',
  ...otel,
};
const node = await startServe(env);
const keys = { apikey: account.apiKey, secretkey: account.secretKey };

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number };
  service: unknown;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean };
type OtlpAttribute = { key: string; value: OtlpValue };
const valueOf = (v: OtlpValue) => v.stringValue ?? (v.intValue === undefined ? v.boolValue : Number(v.intValue));
const attributes = (list: OtlpAttribute[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: Array<{ spans: Array<Omit<ExportedSpan, 'attributes' | 'service'> & { attributes: OtlpAttribute[] }> }>;
  }>;
}

/** Every span the collector has, flattened from OTLP/JSON's resourceSpans → scopeSpans → spans. */
function spans(): ExportedSpan[] {
  return collector.received.flatMap((request: Received) =>
    (request.body as unknown as OtlpExport).resourceSpans.flatMap((resource) => {
      const service = attributes(resource.resource.attributes)['service.name'];
      return resource.scopeSpans.flatMap((scope) =>
        scope.spans.map((span) => ({ ...span, attributes: attributes(span.attributes), service })),
      );
    }),
  );
}

async function spanNamed(name: string, where: (span: ExportedSpan) => boolean = () => true): Promise<ExportedSpan> {
  let found: ExportedSpan | undefined;
  await waitUntil(() => (found = spans().find((s) => s.name === name && where(s))) !== undefined, {
    what: () => `a span "${name}" (exported so far: ${[...new Set(spans().map((s) => s.name))].join(', ')})`,
  });
  return found!;
}

const SERVER = 2;
const CLIENT = 3;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('OpenTelemetry traces (OTEL_* set)', () => {
  const traceId = hex(16);
  const callerSpanId = hex(8);
  const personal = { customerId: 'trace-ann-42', email: 'ann.traced@shop.io', firstName: 'Annabelle' };

  test('a request with a traceparent continues its trace: a server span, its store write as a child, the log line carries the trace id', async () => {
    const res = await http(
      node.baseUrl,
      'POST',
      CUSTOMERS,
      { ...keys, traceparent: `00-${traceId}-${callerSpanId}-01` },
      { customerId: personal.customerId, email: personal.email, customerAttributes: { firstName: personal.firstName } },
    );
    assert.equal(res.status, 200);
    const server = await spanNamed('POST /api/v4.0/integrations/customers', (s) => s.traceId === traceId);
    assert.equal(server.parentSpanId, callerSpanId, "the caller's span is the parent");
    assert.equal(server.kind, SERVER);
    assert.equal(server.service, 'patron-under-test');
    assert.deepEqual(
      [
        server.attributes['http.request.method'],
        server.attributes['http.route'],
        server.attributes['http.response.status_code'],
        server.attributes['patron.account_id'],
      ],
      ['POST', '/api/v4.0/integrations/customers', 200, account.id],
    );
    const write = await spanNamed('store write', (s) => s.parentSpanId === server.spanId);
    assert.equal(write.traceId, traceId);
    assert.equal(write.attributes['db.system.name'], 'sqlite');
    assert.ok(Number(write.attributes['patron.store.group_size']) >= 1, JSON.stringify(write.attributes));
    assert.ok(Number(write.attributes['patron.store.group']) >= 1, JSON.stringify(write.attributes));
    const line = node
      .output()
      .split('\n')
      .find((l) => l.includes('"msg":"request"') && l.includes(traceId));
    assert.ok(line, 'the request line carries the trace id');
    assert.equal(JSON.parse(line).spanId, server.spanId);
  });

  test('a body that arrives after the request began (its own packets) still writes under the request span', async () => {
    // Expect: 100-continue holds the body back until the node has the headers: the body then comes
    // on the socket's own events, not in the request's context.
    const { hostname, port } = new URL(node.baseUrl);
    const body = JSON.stringify({ customerId: 'trace-late-body' });
    const slowTrace = hex(16);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    let answered = '';
    socket.on('data', (chunk) => (answered += chunk));
    socket.write(
      `POST ${CUSTOMERS} HTTP/1.1\r\nHost: ${hostname}\r\napikey: ${account.apiKey}\r\nsecretkey: ${account.secretKey}\r\n` +
        `traceparent: 00-${slowTrace}-${hex(8)}-01\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
        `expect: 100-continue\r\nconnection: close\r\n\r\n`,
    );
    await waitUntil(() => answered.startsWith('HTTP/1.1 100 Continue'), { what: 'the node took the headers' });
    socket.end(body);
    await waitUntil(() => /HTTP\/1\.1 200/.test(answered), { what: () => `a 200 (got ${answered})` });
    const server = await spanNamed('POST /api/v4.0/integrations/customers', (s) => s.traceId === slowTrace);
    await spanNamed('store write', (s) => s.parentSpanId === server.spanId);
  });

  test('the webhook delivery is a client span, and the receiver gets its traceparent', async () => {
    await hooks.waitFor((all) => all.some((r) => r.body.customer_id === personal.customerId));
    const delivered = hooks.received.find((r) => r.body.customer_id === personal.customerId)!;
    const traceparent = String(delivered.headers.traceparent);
    const [, deliveryTrace, deliverySpan] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(traceparent) ?? [];
    assert.ok(deliveryTrace, `traceparent: ${traceparent}`);
    const delivery = await spanNamed('webhook delivery', (s) => s.spanId === deliverySpan);
    assert.deepEqual(
      [delivery.traceId, delivery.kind, delivery.attributes['http.response.status_code']],
      [deliveryTrace, CLIENT, 200],
    );
    assert.equal(delivery.attributes['patron.webhook.topic'], 'customer.profile.updated');
  });

  test('a request without a traceparent starts a trace of its own', async () => {
    const res = await http(node.baseUrl, 'GET', `${CUSTOMERS}/${personal.customerId}`, keys);
    assert.equal(res.status, 200);
    const read = await spanNamed('GET /api/v4.0/integrations/customers/:customerId');
    assert.equal(read.parentSpanId ?? '', '', 'a root span');
    assert.notEqual(read.traceId, traceId);
  });

  test('a batch job is a trace: its chunks are children of the job, their writes children of the chunk', async () => {
    const submitted = await http(node.baseUrl, 'POST', '/api/v4.0/integrations/batch/customers', keys, {
      body: [{ customerId: 'traced-batch-1' }, { customerId: 'traced-batch-2' }, { email: 'not an item' }],
    });
    assert.equal(submitted.status, 200);
    const job = await spanNamed(
      'batch job',
      (s) => s.attributes['patron.batch.job_id'] === Number(submitted.body.jobId),
    );
    assert.equal(job.attributes['patron.account_id'], account.id);
    const chunk = await spanNamed('batch chunk', (s) => s.parentSpanId === job.spanId);
    assert.deepEqual([chunk.attributes['patron.batch.items'], chunk.attributes['patron.batch.failed_items']], [3, 1]);
    await spanNamed('store write chunk', (s) => s.parentSpanId === chunk.spanId);
  });

  test('patron import exports its trace before the command exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patron-trace-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'customers.csv');
    writeFileSync(file, 'customerId,email\ntraced-import-1,imported.person@shop.io\ntraced-import-2,\n');
    const ran = await runCliProcess(['import', file, '--account', account.id], env);
    assert.equal(ran.code, 0, ran.stderr);
    // Exported by the time the process ended: no waiting here.
    const run = spans().find((s) => s.name === 'import' && s.attributes['patron.import.rows'] === 2);
    assert.ok(run, `the import's span was exported before exit: ${spans().map((s) => s.name)}`);
    assert.ok(spans().some((s) => s.name === 'import chunk' && s.parentSpanId === run.spanId));
  });

  test("a worker's polling makes no traces: store spans are always children", () => {
    const orphans = spans().filter((s) => s.name.startsWith('store ') && !s.parentSpanId);
    assert.deepEqual(
      orphans.map((s) => s.name),
      [],
      'the webhook, batch and duplicates workers polled every 100 ms meanwhile',
    );
  });

  test('no span carries a key or personal data', () => {
    const exported = collector.received.map((r) => r.raw).join('\n');
    for (const secret of [
      account.apiKey,
      account.secretKey,
      personal.customerId,
      personal.email,
      personal.firstName,
      'trace-late-body',
      'imported.person@shop.io',
      'traced-import-1',
    ])
      assert.equal(exported.includes(secret), false, `"${secret}" was exported`);
  });
});
