import client from 'prom-client';
import type { Store } from '../db/connect.js';
import { jobSumsByStatus, type JobSums } from '../modules/batches/index.js';
import { countDeliveriesByStatus } from '../modules/webhooks/index.js';
import { processRegistry } from './metrics.js';

/**
 * What is read from the store when /metrics is scraped: the webhook outbox, batch jobs, and the
 * connection pool. Each is one aggregate over a small or indexed set of rows — the scrape costs
 * the store a few milliseconds, whatever the number of profiles.
 */
export function storeMetricsRegistry(store: Store): client.Registry {
  const registry = new client.Registry();
  // Both batch gauges come from one read of the jobs table per scrape: a scrape collects every
  // metric at once, so the second gauge joins the read the first started.
  let reading: Promise<JobSums[]> | undefined;
  const sums = () => (reading ??= jobSumsByStatus(store.db).finally(() => (reading = undefined)));
  new client.Gauge({
    name: 'patron_webhook_deliveries',
    help: 'Webhook deliveries by status: pending (the outbox backlog, retries included), dead.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = await countDeliveriesByStatus(store.db);
      this.reset();
      for (const status of ['pending', 'dead'] as const) this.set({ status }, counts[status]);
    },
  });
  new client.Gauge({
    name: 'patron_batch_jobs',
    help: 'Batch jobs by status (pending, processing, completed, failed).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await sums();
      this.reset();
      for (const status of ['pending', 'processing', 'completed', 'failed'])
        this.set({ status }, rows.find((r) => r.status === status)?.jobs ?? 0);
    },
  });
  new client.Gauge({
    name: 'patron_batch_items',
    help: 'Items of batch jobs still pending or processing, by state: waiting, processed, failed.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const open = (await sums()).filter((r) => r.status === 'pending' || r.status === 'processing');
      const sum = (pick: (r: JobSums) => number) => open.reduce((n, r) => n + pick(r), 0);
      this.reset();
      this.set(
        { state: 'waiting' },
        sum((r) => r.total - r.processed),
      );
      this.set(
        { state: 'processed' },
        sum((r) => r.processed),
      );
      this.set(
        { state: 'failed' },
        sum((r) => r.failed),
      );
    },
  });
  new client.Gauge({
    name: 'patron_store_pool_connections',
    help: 'PostgreSQL connections of this node by state: total, idle, and requests waiting for one (the embedded store has one connection, not reported).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = store.poolStats?.();
      this.reset();
      if (!pool) return;
      this.set({ state: 'total' }, pool.total);
      this.set({ state: 'idle' }, pool.idle);
      this.set({ state: 'waiting' }, pool.waiting);
    },
  });
  return client.Registry.merge([processRegistry, registry]);
}
