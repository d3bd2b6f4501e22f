// The idempotency module's front door: what other modules and the interfaces may use (docs/architecture.md).
export { registerIdempotency } from './idempotency.hooks.js';
export { IdempotencyPurgeWorker } from './idempotency.worker.js';
