import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Store } from '../../db/connect.js';
import { errorResponses } from '../schema-helpers.js';
import { CUSTOMERS_PATH, CustomerIdParams } from '../../modules/customers/index.js';
import {
  countReferrals,
  DEFAULT_PAGE_SIZE,
  isReferrerCodeValid,
  listReferrals,
  MAX_PAGE_SIZE,
} from '../../modules/customers/index.js';

const ReferredFriend = Type.Object({
  customerId: Type.Optional(Type.String({ description: "The friend's first customerId." })),
  gameballId: Type.Integer({ description: 'The paging cursor: pass the last one as startAfter.' }),
  displayName: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  mobileNumber: Type.Optional(Type.String()),
  joinDate: Type.String({ description: 'customerAttributes.joinDate, else when the profile was created.' }),
  status: Type.Union([Type.Literal('Pending'), Type.Literal('Active')]),
});

export function registerReferralRoutes(app: FastifyInstance, store: Store): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.get(
    '/api/v4.0/integrations/referrals/validate',
    {
      config: { auth: 'apiKey' },
      schema: {
        summary: 'Validate a referral code',
        description:
          "False for unknown codes, codes of another account, of inactive or deleted customers, and for the customer's own code (any of its customerIds).",
        tags: ['referrals'],
        querystring: Type.Object({
          referrerCode: Type.String({ minLength: 1, description: 'The code to check (case-insensitive).' }),
          forCustomerId: Type.Optional(
            Type.String({ description: 'The customer who would use it, to refuse self-referral.' }),
          ),
        }),
        response: { 200: Type.Object({ isValid: Type.Boolean() }), ...errorResponses },
      },
    },
    async (request) => ({
      isValid: await isReferrerCodeValid(
        store,
        request.account,
        request.query.referrerCode,
        request.query.forCustomerId,
      ),
    }),
  );

  routes.get(
    `${CUSTOMERS_PATH}/:customerId/referrals`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: "List a customer's referred friends",
        description: "Ordered by the friends' gameballId; page with startAfter = the last gameballId seen.",
        tags: ['referrals'],
        params: CustomerIdParams,
        querystring: Type.Object({
          startAfter: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })),
        }),
        response: {
          200: Type.Object({
            referredFriends: Type.Array(ReferredFriend),
            count: Type.Integer(),
            hasMore: Type.Boolean(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => listReferrals(store, request.account, request.params.customerId.trim(), request.query),
  );

  routes.get(
    `${CUSTOMERS_PATH}/:customerId/referrals/count`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: "Count a customer's referrals",
        tags: ['referrals'],
        params: CustomerIdParams,
        response: {
          200: Type.Object({ count: Type.Integer(), totalPending: Type.Integer(), totalActive: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => countReferrals(store, request.account, request.params.customerId.trim()),
  );
}
