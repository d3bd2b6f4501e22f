import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Store } from '../../db/connect.js';
import { Type } from 'typebox';
import { errorResponses as errors, SuccessResponse } from '../schema-helpers.js';
import { issueCustomerHash, verifyCustomerHash, HASH_WINDOW_SECONDS } from '../../modules/customers/index.js';
import {
  CUSTOMERS_PATH as BASE,
  CustomerDetailsResponse,
  CustomerIdParams,
  CustomerResponse,
  UpsertCustomerRequest,
  UpsertCustomerResponse,
} from '../../modules/customers/index.js';
import { customerDetailsView, customerView } from '../../modules/customers/index.js';
import {
  deleteCustomer,
  dryRunUpsert,
  getCustomer,
  getCustomerWithIds,
  setCustomerActive,
  upsertCustomer,
} from '../../modules/customers/index.js';
import { unmergeCustomer } from '../../modules/customers/index.js';

const DryRunQuery = Type.Object({
  dryRun: Type.Optional(
    Type.Boolean({
      description:
        'true: run every rule and write nothing (no profile, history, webhook, referral code or Idempotency-Key); answer what the request would do.',
    }),
  ),
});

const FieldChangeSchema = Type.Object({ field: Type.String(), before: Type.Unknown(), after: Type.Unknown() });

const DryRunResponse = Type.Object(
  {
    gameballId: Type.Union([Type.Integer(), Type.Null()], { description: "The profile's; null for a new one." }),
    dryRun: Type.Literal(true),
    outcome: Type.Union([
      Type.Literal('create'),
      Type.Literal('update'),
      Type.Literal('merge'),
      Type.Literal('unchanged'),
    ]),
    changes: Type.Array(FieldChangeSchema, {
      description:
        "As the real write's history entry would hold them; a new profile's referral code is not among them (a dry run draws none).",
    }),
    protections: Type.Array(Type.Object({}, { additionalProperties: true }), {
      description:
        'Identifiers the write would keep from being merge keys, and why (docs/identity.md "Merge protection").',
    }),
  },
  { description: 'The answer of ?dryRun=true.' },
);

export function registerCustomerRoutes(app: FastifyInstance, store: Store): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.post(
    BASE,
    {
      config: { auth: 'apiKey', sessionToken: true },
      schema: {
        summary: 'Create or update a customer',
        description:
          'Creates the profile or updates it (partial update; null clears). With channel merging on, a new customerId whose email/mobile is known joins that profile.',
        tags: ['customers'],
        querystring: DryRunQuery,
        body: UpsertCustomerRequest,
        response: { 200: Type.Union([DryRunResponse, UpsertCustomerResponse]), ...errors },
      },
    },
    async (request) => {
      if (request.query.dryRun === true) return dryRunUpsert(store, request.account, request.body);
      const { gameballId } = await upsertCustomer(store, request.account, request.body, request.id);
      return { gameballId };
    },
  );

  routes.get(
    `${BASE}/:customerId`,
    {
      config: { auth: 'apiKey', sessionToken: true },
      schema: {
        summary: 'Get a customer (no personal data)',
        tags: ['customers'],
        params: CustomerIdParams,
        response: { 200: CustomerResponse, ...errors },
      },
    },
    async (request) => {
      const { profile, customerId } = await getCustomer(store, request.account, request.params.customerId.trim());
      return customerView(profile, customerId, request.account);
    },
  );

  routes.get(
    `${BASE}/:customerId/details`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: 'Get a customer with personal data and merged customerIds',
        tags: ['customers'],
        params: CustomerIdParams,
        response: { 200: CustomerDetailsResponse, ...errors },
      },
    },
    async (request) => {
      const { profile, customerId, customerIds } = await getCustomerWithIds(
        store,
        request.account,
        request.params.customerId.trim(),
      );
      return customerDetailsView(profile, customerId, request.account, customerIds);
    },
  );

  const deleteSchema = {
    summary: 'Delete a customer',
    description:
      'Removes the profile with every merged customerId, its personal data, devices and tags. Its gameballId and referral code are never reused; friends it referred stay referred.',
    tags: ['customers'],
    params: CustomerIdParams,
    response: { 200: SuccessResponse, ...errors },
  };
  const remove = async (customerId: string, request: { account: Parameters<typeof deleteCustomer>[1]; id: string }) => {
    const { gameballId } = await deleteCustomer(store, request.account, customerId.trim(), request.id);
    return { success: true, message: `Customer deleted (gameballId ${gameballId}).` };
  };
  routes.delete(`${BASE}/:customerId`, { config: { auth: 'apiKey+secretKey' }, schema: deleteSchema }, (request) =>
    remove(request.params.customerId, request),
  );
  routes.post(
    `${BASE}/:customerId/delete`,
    { config: { auth: 'apiKey+secretKey' }, schema: { ...deleteSchema, summary: 'Delete a customer (POST form)' } },
    (request) => remove(request.params.customerId, request),
  );

  routes.put(
    `${BASE}/:customerId/activate`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: 'Opt a customer in or out',
        description:
          'Idempotent. An inactive customer stays readable and updatable, shows isActive false, and its referral code does not validate.',
        tags: ['customers'],
        params: CustomerIdParams,
        body: Type.Object({ isActive: Type.Boolean() }),
        response: {
          200: Type.Object({ customerId: Type.String(), isActive: Type.Boolean(), stateChanged: Type.Boolean() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const customerId = request.params.customerId.trim();
      const result = await setCustomerActive(store, request.account, customerId, request.body.isActive, request.id);
      return { customerId, ...result };
    },
  );

  routes.get(
    `${BASE}/:customerId/hash`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: "Get the customer's rotating hash",
        description: `HMAC-SHA256 of the gameballId and the current ${HASH_WINDOW_SECONDS / 3600}-hour window under the account's hash secret; accepted until expiresAt (1 to 2 hours).`,
        tags: ['customers'],
        params: CustomerIdParams,
        response: { 200: Type.Object({ hash: Type.String(), expiresAt: Type.String() }), ...errors },
      },
    },
    async (request) => {
      const { profile } = await getCustomer(store, request.account, request.params.customerId.trim());
      return issueCustomerHash(request.account.hashSecret, profile.gameballId);
    },
  );

  routes.post(
    `${BASE}/:customerId/hash/verify`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: 'Check a customer hash (Patron extension)',
        tags: ['customers'],
        params: CustomerIdParams,
        body: Type.Object({ hash: Type.String({ minLength: 1 }) }),
        response: { 200: Type.Object({ isValid: Type.Boolean() }), ...errors },
      },
    },
    async (request) => {
      const { profile } = await getCustomer(store, request.account, request.params.customerId.trim());
      return { isValid: verifyCustomerHash(request.account.hashSecret, profile.gameballId, request.body.hash) };
    },
  );

  routes.post(
    `${BASE}/:customerId/unmerge`,
    {
      config: { auth: 'apiKey+secretKey' },
      schema: {
        summary: 'Unmerge a customerId into a profile of its own (Patron extension)',
        description:
          'Detaches the customerId from its profile into a new profile with a new gameballId. What arrived only through it (per the history) goes with it; what arrived through the others stays. Both histories record the split. A profile with one customerId cannot be unmerged (422).',
        tags: ['history'],
        params: CustomerIdParams,
        response: {
          200: Type.Object({
            customerId: Type.String(),
            gameballId: Type.Integer({ description: 'The new profile of the customerId.' }),
            previousGameballId: Type.Integer({
              description: 'The profile it left, which keeps the other customerIds.',
            }),
            remainingCustomerIds: Type.Array(Type.String()),
          }),
          ...errors,
        },
      },
    },
    async (request) => unmergeCustomer(store, request.account, request.params.customerId.trim(), request.id),
  );
}
