import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Store } from '../../db/connect.js';
import { errorResponses } from '../schema-helpers.js';
import { getBatchStatus, MAX_BATCH_ITEMS, stopBatch, submitBatch } from '../../modules/batches/index.js';

const BatchIdParams = Type.Object({ batchId: Type.String({ description: 'The jobId the submission answered with.' }) });

/** 10,000 items of a few KiB each. */
const BATCH_BODY_LIMIT = 48 * 1024 * 1024;

export function registerBatchRoutes(app: FastifyInstance, store: Store): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const config = { auth: 'apiKey+secretKey' as const };

  routes.post(
    '/api/v4.0/integrations/batch/customers',
    {
      config,
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        summary: 'Create or update many customers',
        description: `Stores the job and answers at once; items are processed in the background, in order, each exactly as POST /customers would take it. A bad item fails alone. Up to ${MAX_BATCH_ITEMS} items.`,
        tags: ['batches'],
        body: Type.Object({
          body: Type.Array(Type.Unknown({ description: 'An UpsertCustomerRequest.' }), {
            minItems: 1,
            maxItems: MAX_BATCH_ITEMS,
          }),
        }),
        response: {
          200: Type.Object({
            jobId: Type.Integer({ description: 'Poll GET /batches/{jobId}/status.' }),
            batchId: Type.String({ description: 'The same id as a string.' }),
            status: Type.String(),
            totalItems: Type.Integer(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { jobId } = await submitBatch(store, request.account, request.body.body);
      return { jobId, batchId: String(jobId), status: 'pending', totalItems: request.body.body.length };
    },
  );

  routes.get(
    '/api/v4.0/integrations/batches/:batchId/status',
    {
      config,
      schema: {
        summary: 'Status and results of a batch',
        tags: ['batches'],
        params: BatchIdParams,
        response: {
          200: Type.Object({
            batchId: Type.String(),
            jobId: Type.Integer(),
            status: Type.Union([
              Type.Literal('pending'),
              Type.Literal('processing'),
              Type.Literal('completed'),
              Type.Literal('failed'),
            ]),
            progress: Type.Number({ description: 'Percent of items processed.' }),
            totalItems: Type.Integer(),
            processedItems: Type.Integer(),
            failedItems: Type.Integer(),
            results: Type.Array(Type.Union([Type.Integer(), Type.Null()]), {
              description: 'gameballId per item, in order; null until processed or when it failed.',
            }),
            errors: Type.Array(
              Type.Object({
                index: Type.Integer(),
                customerId: Type.Union([Type.String(), Type.Null()]),
                code: Type.Union([Type.Integer(), Type.Null()]),
                message: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
            message: Type.Optional(Type.String()),
            createdAt: Type.String(),
            finishedAt: Type.Optional(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => getBatchStatus(store, request.account, request.params.batchId),
  );

  routes.post(
    '/api/v4.0/integrations/batches/:batchId/stop',
    {
      config,
      schema: {
        summary: 'Stop a batch',
        description: 'Items already processed stay; the rest are not processed and the batch ends as failed.',
        tags: ['batches'],
        params: BatchIdParams,
        response: {
          200: Type.Object({ batchId: Type.String(), status: Type.String(), message: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (request) => stopBatch(store, request.account, request.params.batchId),
  );
}
