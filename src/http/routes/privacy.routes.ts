import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Store } from '../../db/connect.js';
import { errorResponses } from '../schema-helpers.js';
import { CUSTOMERS_PATH, CustomerIdParams } from '../../modules/customers/index.js';
import { exportCustomer } from '../../modules/customers/index.js';

export function registerPrivacyRoutes(app: FastifyInstance, store: Store): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  routes.get(
    `${CUSTOMERS_PATH}/:customerId/export`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: 'Everything held about a customer (Patron extension)',
        description:
          'Right of access: the profile, its customerIds, devices, tags, referrals given and received (the other side by ids only), its whole history, the histories of the profiles explicit merges retired into it, and the webhook events about it, in one JSON document.',
        tags: ['history'],
        params: CustomerIdParams,
        response: {
          200: Type.Object(
            {
              exportedAt: Type.String(),
              accountId: Type.String(),
              gameballId: Type.Integer(),
              customerIds: Type.Array(Type.String()),
              profile: Type.Record(Type.String(), Type.Unknown()),
              devices: Type.Array(Type.Unknown()),
              tags: Type.Array(Type.String()),
              referrals: Type.Object({ referredBy: Type.Unknown(), referredFriends: Type.Array(Type.Unknown()) }),
              history: Type.Array(Type.Unknown()),
              mergedProfiles: Type.Array(
                Type.Object({
                  gameballId: Type.Integer(),
                  retiredInto: Type.Integer(),
                  retiredAt: Type.String(),
                  history: Type.Array(Type.Unknown()),
                }),
                { description: 'Profiles explicit merges retired into this one, with their histories.' },
              ),
              webhookEvents: Type.Array(Type.Unknown()),
            },
            { additionalProperties: true },
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => exportCustomer(store, request.account, request.params.customerId.trim()),
  );
}
