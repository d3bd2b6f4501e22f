import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Store } from '../../db/connect.js';
import { errorResponses } from '../schema-helpers.js';
import {
  compareCustomers,
  CUSTOMERS_PATH,
  CustomerIdParams,
  explainCustomer,
  mergeCustomers,
} from '../../modules/customers/index.js';

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

  routes.post(
    `${CUSTOMERS_PATH}/:customerId/merge`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: "Merge another customer's profile into this one (Patron extension)",
        description:
          "A person's decision: the other profile joins this one, whose gameballId survives (the other's is retired, its customerIds reach the survivor). The survivor's values win, fields it lacks come from the other, tags and devices are united, referrals kept, the other's referral code retired. Recorded in the history; undone by unmerging the other's customerIds. ?dryRun=true writes nothing.",
        tags: ['customers'],
        params: CustomerIdParams,
        querystring: Type.Object({
          dryRun: Type.Optional(Type.Boolean({ description: 'true: write nothing, answer what the merge would do.' })),
        }),
        body: Type.Object({
          customerId: Type.String({
            minLength: 1,
            maxLength: 100,
            description: 'A customerId of the profile that joins this one.',
          }),
        }),
        response: {
          200: Type.Union([
            Type.Object({
              gameballId: Type.Integer(),
              dryRun: Type.Literal(true),
              outcome: Type.Literal('merge'),
              changes: Type.Array(Type.Object({ field: Type.String(), before: Type.Unknown(), after: Type.Unknown() })),
              protections: Type.Array(Type.Unknown()),
            }),
            Type.Object({
              gameballId: Type.Integer({ description: "The survivor's." }),
              retiredGameballId: Type.Integer({ description: "The other profile's, never reused." }),
              customerIds: Type.Array(Type.String()),
            }),
          ]),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      mergeCustomers(store, request.account, request.params.customerId.trim(), request.body.customerId.trim(), {
        requestId: request.id,
        dryRun: request.query.dryRun === true,
      }),
  );
}
