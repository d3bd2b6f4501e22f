import type { SignatureScheme } from './webhook-signature.js';

export const TOPICS = [
  'customer.profile.updated',
  'customer.merged',
  'customer.unmerged',
  'customer.deleted',
  'referral.completed',
] as const;
export type Topic = (typeof TOPICS)[number];

export interface Subscription {
  id: string;
  accountId: string;
  url: string;
  topics: Topic[];
  /** How deliveries are signed (see webhook-signature.ts). */
  signature: SignatureScheme;
  createdAt: string;
}

/** An event as services describe it; the outbox turns it into the published envelope. */
export interface OutboxEvent {
  topic: Topic;
  /** The profile the event is about: deliveries for one profile go out in order. */
  gameballId: number;
  customerId: string;
  data: Record<string, unknown>;
}

/** The published envelope: `{event, client_id, customer_id, gb_customer_id, created_at, data}`. */
export interface WebhookPayload {
  event: Topic;
  client_id: string;
  customer_id: string;
  gb_customer_id: number;
  created_at: string;
  data: Record<string, unknown>;
}
