import client from 'prom-client';

/**
 * The process's metrics (docs/operations.md "Metrics"), in Prometheus' text format through prom-client.
 * Counters and histograms live for the process; what is read from the store at scrape time is
 * added by the app that serves /metrics (store-gauges.ts).
 */
export const processRegistry = new client.Registry();
client.collectDefaultMetrics({ register: processRegistry, prefix: 'patron_' });

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export const httpRequests = new client.Counter({
  name: 'patron_http_requests_total',
  help: 'HTTP requests answered, by route pattern, method and status.',
  labelNames: ['route', 'method', 'status'] as const,
  registers: [processRegistry],
});

export const httpDuration = new client.Histogram({
  name: 'patron_http_request_duration_seconds',
  help: 'Time from a request arriving to its answer, by route pattern, method and status.',
  labelNames: ['route', 'method', 'status'] as const,
  buckets: SECONDS,
  registers: [processRegistry],
});

export const writeGroupSize = new client.Histogram({
  name: 'patron_store_write_group_size',
  help: 'Writes committed together in one transaction (the embedded store gathers concurrent writes; a PostgreSQL write is one, a batch chunk many).',
  labelNames: ['store'] as const,
  buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
  registers: [processRegistry],
});

export const writeDuration = new client.Histogram({
  name: 'patron_store_write_duration_seconds',
  help: 'Time of a write transaction from BEGIN to COMMIT, commit included.',
  labelNames: ['store'] as const,
  buckets: SECONDS,
  registers: [processRegistry],
});

export const writeRetries = new client.Counter({
  name: 'patron_store_write_retries_total',
  help: 'Write transactions run again after a conflict with a concurrent writer (PostgreSQL).',
  registers: [processRegistry],
});

export const mergeProtections = new client.Counter({
  name: 'patron_merge_protections_total',
  help: 'Identifiers of committed writes kept from being merge keys, by rule: blocked-value (a junk or listed value), cap (the profile had mergeCap customerIds).',
  labelNames: ['rule'] as const,
  registers: [processRegistry],
});

export const duplicateScoring = new client.Counter({
  name: 'patron_duplicate_profiles_scored_total',
  help: 'Queued profiles the possible-duplicates worker scored against their candidates (docs/duplicates.md).',
  registers: [processRegistry],
});

export const webhookDeliveries = new client.Counter({
  name: 'patron_webhook_deliveries_total',
  help: 'Webhook delivery attempts by outcome: delivered, failed (will retry), dead (no retry left), handed_back (node shutting down).',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

export const batchItems = new client.Counter({
  name: 'patron_batch_items_total',
  help: 'Batch items processed by this node, by outcome (ok, failed).',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

export const CONTENT_TYPE = processRegistry.contentType;
