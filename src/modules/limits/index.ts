// The limits module's front door: what other modules and the interfaces may use (docs/architecture.md).
export { AccountRateLimiter, registerAccountLimits } from './account-limits.js';
export { BulkBudget } from './bulk-budget.js';
export { type NodeCount, NodeRegistry, SINGLE_NODE } from './node-registry.js';
