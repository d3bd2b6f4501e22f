import type { FastifyReply } from 'fastify';
import type { AccountRecord, ConsoleSession } from '../modules/accounts/index.js';
import type { UpsertCustomerRequest } from '../modules/customers/index.js';
import { EDITABLE } from './console.views.js';
import type { Html } from './html.js';

/** What every console route shares: the form and session types, the reply's headers, the edit form as an upsert. */

export type Form = Record<string, string | undefined>;
/** A request's signed-in session and the account it may see. */
export type SignedIn = { session: ConsoleSession; account: AccountRecord };
export type WithCustomer = { Params: { customerId: string; deliveryId?: string }; Body: Form };

/** Every console answer: its own page only (no framing, no other origin, no cache), the link token never in a Referer. */
export function send(reply: FastifyReply, status: number, body: Html): FastifyReply {
  return reply
    .code(status)
    .header(
      'content-security-policy',
      "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body.text);
}

/** Changes made in the console say so in the customer's history: role and session. */
export const origin = (session: ConsoleSession) => `console ${session.role} ${session.label}`;

export function editedRequest(customerId: string, form: Form, current: Record<string, string>): UpsertCustomerRequest {
  const request: Record<string, unknown> & { customerAttributes: Record<string, unknown> } = {
    customerId,
    customerAttributes: {},
  };
  for (const { field } of EDITABLE) {
    const typed = (form[field] ?? '').trim();
    if (typed === (current[field] ?? '')) continue;
    const value = typed === '' ? null : typed;
    if (field.startsWith('customerAttributes.'))
      request.customerAttributes[field.slice('customerAttributes.'.length)] = value;
    else request[field] = value;
  }
  return request as unknown as UpsertCustomerRequest;
}
