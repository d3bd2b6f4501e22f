// The webhooks module's front door: what other modules and the interfaces may use (docs/architecture.md).
export { DEFAULT_SIGNATURE_SCHEME, SIGNATURE_SCHEMES } from './webhook-signature.js';
export { notifyQueued, openOutbox, type Outbox } from './webhooks.outbox.js';
export {
  addSubscription,
  getDeliveries,
  getSubscriptions,
  removeSubscription,
  replayDelivery,
} from './webhooks.service.js';
export { type OutboxEvent, TOPICS } from './webhooks.types.js';
export { WebhookWorker } from './webhooks.worker.js';
export { countDeliveriesByStatus, eventsOfProfile, type ProfileEvent } from './webhook-reports.store.js';
