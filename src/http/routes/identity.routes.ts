import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Store } from '../../db/connect.js';
import { errorResponses } from '../schema-helpers.js';
import { compareCustomers, CUSTOMERS_PATH, CustomerIdParams, explainCustomer } from '../../modules/customers/index.js';

const Story = Type.Object({}, { additionalProperties: true });

/** Explanations (docs/identity.md "Explanations"): why records are one person, and why not. */
export function registerIdentityRoutes(app: FastifyInstance, store: Store): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  routes.get(
    `${CUSTOMERS_PATH}/:customerId/identity`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: "How a customer's profile came together (Patron extension)",
        description:
          'Each customerId with how it joined (created, merged by which identifier, unmerged) and through which request; each identifier with whether it is a merge key and, if not, why (merge-off, blocked-value, cap, split, not-indexed); every merge protection recorded against the profile. Derived from the history: with history off it says so.',
        tags: ['history'],
        params: CustomerIdParams,
        response: {
          200: Type.Object(
            {
              gameballId: Type.Integer(),
              history: Type.Union([Type.Literal('kept'), Type.Literal('off')]),
              customerIds: Type.Array(Story),
              identifiers: Type.Array(Story),
              protections: Type.Array(Story),
            },
            { additionalProperties: true },
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => explainCustomer(store, request.account, request.params.customerId.trim()),
  );

  routes.get(
    `${CUSTOMERS_PATH}/:customerId/identity/compare`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: 'Why two customerIds are, or are not, one profile (Patron extension)',
        description:
          'For one profile, how the two came together; for two, every reason they did not: no-shared-identifier, different-email, different-mobile, merge-off, blocked-value, cap, split (an unmerge separated them), not-indexed.',
        tags: ['history'],
        params: CustomerIdParams,
        querystring: Type.Object({ with: Type.String({ minLength: 1, description: 'The other customerId.' }) }),
        response: {
          200: Type.Object({
            sameProfile: Type.Boolean(),
            reasons: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      compareCustomers(store, request.account, request.params.customerId.trim(), request.query.with.trim()),
  );
}
