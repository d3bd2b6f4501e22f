import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Store } from '../../db/connect.js';
import { ErrorResponse } from '../../http/schema-helpers.js';
import {
  CustomerDetailsResponse,
  CustomerIdParams,
  CustomerResponse,
  UpsertCustomerRequest,
  UpsertCustomerResponse,
} from './customers.schemas.js';
import { customerDetailsView, customerView } from './customer.view.js';
import { getCustomer, getCustomerWithIds, upsertCustomer } from './customers.service.js';

const BASE = '/api/v4.0/integrations/customers';
const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };

export function registerCustomerRoutes(app: FastifyInstance, store: Store): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.post(
    BASE,
    {
      config: { auth: 'apiKey' },
      schema: {
        summary: 'Create or update a customer',
        description: 'Creates the profile or updates it (partial update; null clears). With channel merging on, a new customerId whose email/mobile is known joins that profile.',
        tags: ['customers'],
        body: UpsertCustomerRequest,
        response: { 200: UpsertCustomerResponse, ...errors },
      },
    },
    async (request) => {
      const { gameballId } = await upsertCustomer(store, request.account, request.body);
      return { gameballId };
    },
  );

  routes.get(
    `${BASE}/:customerId`,
    {
      config: { auth: 'apiKey' },
      schema: {
        summary: 'Get a customer (no personal data)',
        tags: ['customers'],
        params: CustomerIdParams,
        response: { 200: CustomerResponse, ...errors },
      },
    },
    async (request) => {
      const { profile, customerId } = await getCustomer(store.db, request.account, request.params.customerId.trim());
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
      const { profile, customerId, customerIds } = await getCustomerWithIds(store.db, request.account, request.params.customerId.trim());
      return customerDetailsView(profile, customerId, request.account, customerIds);
    },
  );
}
