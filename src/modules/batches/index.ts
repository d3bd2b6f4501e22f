// The batches module's front door: what other modules and the interfaces may use (docs/architecture.md).
export { getBatchStatus, MAX_BATCH_ITEMS, stopBatch, submitBatch } from './batches.service.js';
export { BatchWorker } from './batches.worker.js';
export { findAccountJob, recentJobs } from './batches.service.js';
export { type BatchJob, type JobSums, jobSumsByStatus } from './batches.store.js';
