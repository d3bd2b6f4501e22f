import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { httpOrigin, type Config } from './config.js';
import type { Store } from './db/connect.js';
import { openStore } from './db/open-store.js';
import { ensureDefaultAccount } from './modules/accounts/index.js';
import { BatchWorker } from './modules/batches/index.js';
import { WebhookWorker } from './modules/webhooks/index.js';
import { HistoryPurgeWorker } from './modules/history/index.js';
import { DuplicatesWorker } from './modules/duplicates/index.js';
import { IdempotencyPurgeWorker } from './modules/idempotency/index.js';
import { BulkBudget } from './modules/limits/index.js';
import { NodeRegistry } from './modules/limits/index.js';
import { startMetricsServer } from './metrics/metrics-server.js';
import { storeMetricsRegistry } from './metrics/store-gauges.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  /** Where /metrics is, when PATRON_METRICS_PORT puts it on a port of its own. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

/** Migrates, makes sure an account exists (printing its keys once), then listens. */
export async function startServer(config: Config, print: (line: string) => void = console.log): Promise<RunningServer> {
  const store = await openStore(config);
  const registry = new NodeRegistry(store, 'serve');
  const created = await ensureDefaultAccount(store);
  if (created) {
    print(
      `No account existed, so Patron created account "${created.account.name}" (${created.account.id}). Its keys are shown once:`,
    );
    print(`apiKey: ${created.keys.apiKey}`);
    print(`secretKey: ${created.keys.secretKey}`);
  }
  const app = await buildApp({
    store,
    logLevel: config.logLevel,
    rateLimitPerMinute: config.rateLimitPerMinute,
    nodes: registry,
    metrics: config.metricsPort === undefined ? 'app' : 'elsewhere',
  });
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : await startMetricsServer(storeMetricsRegistry(store), config.metricsPort, config.host);
  // Heartbeats before the first request: the node's share of every account's limits depends on them.
  await registry.start(app.log);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = httpOrigin(config.host, port);
  const metricsUrl = metricsServer && `${httpOrigin(config.host, metricsServer.port)}/metrics`;
  app.log.info(
    { store: store.location, url, ...(metricsServer && { metricsPort: metricsServer.port }) },
    'Patron is listening',
  );
  if (!store.masterKey)
    app.log.warn(
      'No master key (PATRON_MASTER_KEY): API v4.1 session tokens (X-GB-TOKEN) cannot be verified; both keys still work.',
    );
  const worker = new WebhookWorker(
    store,
    {
      retryDelays: config.webhookRetryDelays,
      pollMs: config.workerPollMs,
      timeoutMs: config.webhookTimeoutMs,
      allowPrivate: config.webhookAllowPrivate,
    },
    app.log,
  );
  worker.start();
  const batchWorker = new BatchWorker(
    store,
    config.workerPollMs,
    config.batchLeaseMs,
    app.log,
    new BulkBudget(registry),
  );
  batchWorker.start();
  const historyWorker = new HistoryPurgeWorker(store, config.historyRetentionDays, config.workerPollMs, app.log);
  historyWorker.start();
  const idempotencyWorker = new IdempotencyPurgeWorker(store, config.workerPollMs, app.log);
  idempotencyWorker.start();
  const duplicatesWorker = new DuplicatesWorker(store, config.workerPollMs, app.log);
  duplicatesWorker.start();
  return {
    app,
    store,
    url,
    metricsUrl,
    // Graceful: no new requests or work; requests under way finish, and with them the open write
    // group; a batch job hands back its next chunk and webhook sends in flight are handed back
    // unsent; then the node leaves the registry and closes the store (docs/operations.md "Shutdown").
    close: async () => {
      await Promise.all([
        app.close(),
        metricsServer?.close(),
        worker.stop(),
        batchWorker.stop(),
        historyWorker.stop(),
        duplicatesWorker.stop(),
        idempotencyWorker.stop(),
      ]);
      await registry.stop();
      await store.close();
    },
  };
}
