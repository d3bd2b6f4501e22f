import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Store } from '../../db/connect.js';
import { Nullable } from '../../schemas.js';
import { errorResponses } from '../schema-helpers.js';
import {
  DEFAULT_DUPLICATES_PAGE,
  dismissDuplicate,
  listDuplicates,
  MAX_DUPLICATES_PAGE,
  mergeDuplicate,
} from '../../modules/duplicates/index.js';

export const DUPLICATES_PATH = '/api/v4.0/integrations/duplicates';

const SuggestedProfile = Type.Object({
  gameballId: Type.Integer(),
  customerIds: Type.Array(Type.String()),
  firstName: Nullable(Type.String()),
  lastName: Nullable(Type.String()),
  displayName: Nullable(Type.String()),
  email: Nullable(Type.String()),
  mobile: Nullable(Type.String()),
  dateOfBirth: Nullable(Type.String()),
  city: Nullable(Type.String()),
});

const Status = Type.Union([Type.Literal('open'), Type.Literal('merged'), Type.Literal('dismissed')]);

export const SuggestionSchema = Type.Object({
  id: Type.Integer({ description: 'The paging cursor: pass the last one seen as startAfter.' }),
  score: Type.Number({ description: 'How alike the two profiles are, 0–1 (docs/duplicates.md).' }),
  features: Type.Array(Type.String(), {
    description: 'What matched: email-exact, mobile-one-digit, first-name-phonetic, names-swapped, date-of-birth, …',
  }),
  status: Status,
  createdAt: Type.String(),
  updatedAt: Type.String(),
  decidedAt: Nullable(Type.String()),
  decidedBy: Nullable(Type.String({ description: 'api, console <role> <label>, or explicit merge.' })),
  profiles: Type.Array(SuggestedProfile, { description: 'The two profiles, lower gameballId first.' }),
});

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** Possible duplicates (docs/duplicates.md): the queue Patron suggests; it never merges by itself. */
export function registerDuplicatesRoutes(app: FastifyInstance, store: Store): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  routes.get(
    DUPLICATES_PATH,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: 'Possible duplicates (Patron extension)',
        description:
          "Pairs of profiles the scoring worker found likely to be one person, at or above the account's duplicateThreshold, in the order they were found. Filter by status (default open) and minScore; page with startAfter = the last id seen.",
        tags: ['duplicates'],
        querystring: Type.Object({
          status: Type.Optional(Status),
          minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          startAfter: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
          limit: Type.Optional(
            Type.Integer({ minimum: 1, maximum: MAX_DUPLICATES_PAGE, default: DEFAULT_DUPLICATES_PAGE }),
          ),
        }),
        response: {
          200: Type.Object({
            suggestions: Type.Array(SuggestionSchema),
            count: Type.Integer(),
            hasMore: Type.Boolean(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => listDuplicates(store, request.account, request.query),
  );
  routes.post(
    `${DUPLICATES_PATH}/:id/merge`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: 'Merge a possible duplicate (Patron extension)',
        description:
          'An explicit merge of the pair: the profile with more customerIds survives (then the older one); its values win. Recorded in both histories; undone by unmerging. 409 (4024) if the suggestion was already merged or dismissed.',
        tags: ['duplicates'],
        params: IdParams,
        response: {
          200: Type.Object({
            suggestion: Type.Integer(),
            gameballId: Type.Integer({ description: "The survivor's." }),
            retiredGameballId: Type.Integer(),
            customerIds: Type.Array(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => mergeDuplicate(store, request.account, request.params.id, 'api', request.id),
  );
  routes.post(
    `${DUPLICATES_PATH}/:id/dismiss`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: 'Dismiss a possible duplicate (Patron extension)',
        description:
          'Not one person: the suggestion closes, both histories record it, and the pair returns only if one of them changes a field that matched.',
        tags: ['duplicates'],
        params: IdParams,
        response: { 200: SuggestionSchema, ...errorResponses },
      },
    },
    async (request) => dismissDuplicate(store, request.account, request.params.id, 'api', request.id),
  );
}
