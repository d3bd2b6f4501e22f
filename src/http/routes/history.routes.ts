import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Store } from '../../db/connect.js';
import { Nullable } from '../../schemas.js';
import { errorResponses } from '../schema-helpers.js';
import { CUSTOMERS_PATH, CustomerIdParams } from '../../modules/customers/index.js';
import { DEFAULT_HISTORY_PAGE, getHistory, MAX_HISTORY_PAGE } from '../../modules/customers/index.js';
import { HISTORY_OPERATIONS } from '../../modules/history/index.js';

export const HistoryEntrySchema = Type.Object({
  id: Type.Integer({ description: 'The paging cursor: pass the last one seen as startAfter.' }),
  at: Type.String({ description: 'When the change was committed (ISO 8601).' }),
  operation: Type.Unsafe<(typeof HISTORY_OPERATIONS)[number]>({ type: 'string', enum: [...HISTORY_OPERATIONS] }),
  customerId: Type.String({ description: 'The customerId the change came through.' }),
  requestId: Nullable(
    Type.String({
      description:
        'The x-request-id of the request; for batch items and import rows, the batch and item or the file and row.',
    }),
  ),
  changes: Type.Array(
    Type.Object({
      field: Type.String({
        description: 'As the API names it: email, customerAttributes.city, customerAttributes.custom.tier, tags, …',
      }),
      before: Type.Unknown(),
      after: Type.Unknown(),
    }),
  ),
  relatedGameballId: Nullable(
    Type.Integer({
      description:
        "The other profile of an unmerge or an explicit merge (read a retired one's history with ?mergedProfile=).",
    }),
  ),
  protections: Type.Optional(
    Type.Array(
      Type.Object({
        identifier: Type.String({ description: 'The request field: email, mobile, customerAttributes.email, …' }),
        kind: Type.String({ description: 'email or mobile.' }),
        value: Type.String({ description: 'As merging compares it: a lower-cased email, an E.164 mobile.' }),
        rule: Type.String({ description: 'blocked-value or cap (docs/identity.md "Merge protection").' }),
        blockedBy: Type.Optional(
          Type.Object({
            rule: Type.String({
              description: 'reserved-domain, placeholder, repeated-digits, consecutive-digits or account-list.',
            }),
            entry: Type.Optional(Type.String({ description: "The account's own list entry that matched." })),
          }),
        ),
        wouldJoin: Nullable(Type.Integer({ description: 'The gameballId of the profile it would have joined.' })),
      }),
      { description: 'Identifiers this write kept from being merge keys, and why.' },
    ),
  ),
});

export function registerHistoryRoutes(app: FastifyInstance, store: Store): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  routes.get(
    `${CUSTOMERS_PATH}/:customerId/history`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: "A customer's profile history (Patron extension)",
        description:
          'Every change to the profile, newest first: when, which operation, through which customerId and request, and each field before and after. Page with startAfter = the last id seen.',
        tags: ['history'],
        params: CustomerIdParams,
        querystring: Type.Object({
          startAfter: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_HISTORY_PAGE, default: DEFAULT_HISTORY_PAGE })),
          mergedProfile: Type.Optional(
            Type.Integer({
              minimum: 1,
              description:
                'The gameballId of a profile an explicit merge retired into this one (an explicit merge entry names it as relatedGameballId): its history, ending with the merge.',
            }),
          ),
        }),
        response: {
          200: Type.Object({
            gameballId: Type.Integer(),
            history: Type.Array(HistoryEntrySchema),
            count: Type.Integer(),
            hasMore: Type.Boolean(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => getHistory(store, request.account, request.params.customerId.trim(), request.query),
  );
}
