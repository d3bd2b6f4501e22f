import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { AuthLevel } from './auth.js';

const SECURITY: Record<AuthLevel, Array<Record<string, string[]>>> = {
  apiKey: [{ apiKey: [] }],
  'apiKey+secretKey': [{ apiKey: [], secretKey: [] }],
};

const IDEMPOTENCY_HEADERS = {
  type: 'object',
  properties: {
    'Idempotency-Key': {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      description:
        'Makes a retry safe: the first answer is kept with the key for 24 hours and a repeat with the same method, path and body gets it again ' +
        '(header Idempotent-Replayed: true) without running; the same key with another request is 422 (code 4023), a repeat while the first runs is 409 (code 4019).',
    },
  },
};

/**
 * Patron's own OpenAPI 3.1 document, generated from the route schemas (so it cannot drift from
 * what the routes validate), at /openapi.json; human docs at /docs, served from the package's
 * bundled assets with nothing loaded from elsewhere.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Patron API',
        version,
        description:
          'Customer identity and profiles for loyalty programs, wire-compatible with the customer endpoints of the Gameball REST API v4.0. ' +
          'Every non-2xx answer is an ErrorResponse; its requestId is also the x-request-id header. ' +
          'Every operation is also served at the same path under /api/v4.1/integrations, where both keys are required on every call, ' +
          'except that Create/update and Get a customer accept an X-GB-TOKEN session token in place of the secretkey (see the sessionToken scheme).',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'apikey', description: "The account's public key." },
          secretKey: { type: 'apiKey', in: 'header', name: 'secretkey', description: "The account's server-side key." },
          sessionToken: {
            type: 'apiKey',
            in: 'header',
            name: 'X-GB-TOKEN',
            description:
              "API v4.1 only, on Create/update and Get a customer: a JWT signed HS256 and encrypted as a compact JWE (A256KW, A256CBC-HS512), both keyed with the secretKey's UTF-8 bytes; claims customerId (the customer of the call) and exp.",
          },
        },
      },
      tags: [
        { name: 'customers', description: 'Create, update, read, delete and opt customers in or out.' },
        { name: 'referrals', description: 'Referral codes and referred friends.' },
        { name: 'tags', description: 'Free-form customer tags.' },
        { name: 'batches', description: 'Many upserts in one stored, background job.' },
        {
          name: 'duplicates',
          description:
            'Patron extension: possible duplicates to review, merge or dismiss; Patron never merges by itself.',
        },
        {
          name: 'history',
          description: 'Patron extensions: what happened to a profile, unmerge, personal-data export.',
        },
      ],
    },
    // Every route states its keys in config.auth; the document shows them as security, and
    // every write of the API takes an Idempotency-Key.
    transform: ({ schema, url, route }) => {
      const auth = route.config?.auth as AuthLevel | undefined;
      if (!auth) return { schema, url } as never;
      const methods = ([] as string[]).concat(route.method);
      const writes = methods.some((m) => m !== 'GET' && m !== 'HEAD');
      return {
        schema: { ...schema, security: SECURITY[auth], ...(writes && { headers: IDEMPOTENCY_HEADERS }) },
        url,
      } as never;
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    staticCSP: true,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
