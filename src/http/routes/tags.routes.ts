import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Store } from '../../db/connect.js';
import { errorResponses, SuccessResponse } from '../schema-helpers.js';
import { CUSTOMERS_PATH, CustomerIdParams } from '../../modules/customers/index.js';
import { attachTags, MAX_TAG_LENGTH, MAX_TAGS_PER_PROFILE, parseTags, removeTags } from '../../modules/tags/index.js';

const TagsBody = Type.Object({
  tags: Type.String({
    description: `Comma-separated tags, e.g. "gamer, highSpender". Trimmed, case kept, compared case-insensitively, at most ${MAX_TAG_LENGTH} characters each and ${MAX_TAGS_PER_PROFILE} per customer.`,
  }),
});

const plural = (n: number) => `${n} tag${n === 1 ? '' : 's'}`;

const removedReply = (removed: number) => ({ success: true, message: `${plural(removed)} removed.` });

export function registerTagRoutes(app: FastifyInstance, store: Store): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const common = { config: { auth: 'apiKey+secretKey' as const } };

  routes.post(
    `${CUSTOMERS_PATH}/:customerId/tags`,
    {
      ...common,
      schema: {
        summary: 'Attach tags to a customer',
        tags: ['tags'],
        params: CustomerIdParams,
        body: TagsBody,
        response: { 200: SuccessResponse, ...errorResponses },
      },
    },
    async (request) => {
      const added = await attachTags(
        store,
        request.account,
        request.params.customerId.trim(),
        parseTags(request.body.tags),
        request.id,
      );
      return { success: true, message: `${plural(added)} attached.` };
    },
  );

  routes.delete(
    `${CUSTOMERS_PATH}/:customerId/tags`,
    {
      ...common,
      schema: {
        summary: 'Remove tags from a customer',
        tags: ['tags'],
        params: CustomerIdParams,
        body: TagsBody,
        response: { 200: SuccessResponse, ...errorResponses },
      },
    },
    async (request) => {
      return removedReply(
        await removeTags(
          store,
          request.account,
          request.params.customerId.trim(),
          parseTags(request.body.tags),
          request.id,
        ),
      );
    },
  );

  routes.delete(
    `${CUSTOMERS_PATH}/:customerId/tags/:tag`,
    {
      ...common,
      schema: {
        summary: 'Remove one tag from a customer',
        tags: ['tags'],
        params: Type.Object({ customerId: Type.String(), tag: Type.String({ description: 'The tag, URL-encoded.' }) }),
        response: { 200: SuccessResponse, ...errorResponses },
      },
    },
    async (request) => {
      return removedReply(
        await removeTags(
          store,
          request.account,
          request.params.customerId.trim(),
          parseTags(request.params.tag, 'tag'),
          request.id,
        ),
      );
    },
  );
}
