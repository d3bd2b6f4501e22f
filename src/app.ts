import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { LogLevel } from './config.js';
import type { Store } from './db/connect.js';
import { errorCatalogue, ERRORS_DOC_PATH } from './errors.js';
import { authHook } from './http/auth.js';
import { registerErrorHandler } from './http/error-handler.js';
import { registerRateLimit } from './http/rate-limit.js';
import { genRequestId, loggerOptions, registerRequestLogging } from './http/observability.js';
import { registerOpenApi } from './http/openapi.js';
import { validatorCompiler } from './http/validation.js';
import { registerBatchRoutes } from './modules/batches/batches.routes.js';
import { registerCustomerRoutes } from './modules/customers/customers.routes.js';
import { registerReferralRoutes } from './modules/referrals/referrals.routes.js';
import { registerTagRoutes } from './modules/tags/tags.routes.js';

export const BODY_LIMIT_BYTES = 64 * 1024;
export const PATRON_VERSION = '0.1.0';

export interface AppOptions {
  store: Store;
  logLevel?: LogLevel;
  /** Where logs go; tests pass a stream to read them. */
  logStream?: NodeJS.WritableStream;
  /** Requests per minute per apiKey; 0 or absent: no limit. */
  rateLimitPerMinute?: number;
}

/** Builds the HTTP app on a connected, migrated store. Never listens. */
export async function buildApp({ store, logLevel = 'info', logStream, rateLimitPerMinute = 0 }: AppOptions): Promise<FastifyInstance> {
  const logger = loggerOptions(logLevel);
  const app = Fastify({
    logger: logStream && typeof logger === 'object' ? { ...logger, stream: logStream } : logger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: genRequestId,
    // One line per request comes from our onResponse hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API; replies are plain JSON.stringify so no value is ever
  // coerced or dropped on the way out.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest('account', null as never);
  // The API speaks JSON only; without this Fastify would accept text/plain bodies as strings.
  app.removeContentTypeParser('text/plain');
  // Many HTTP clients send Content-Type: application/json on a DELETE without a body; that is
  // no body, not malformed JSON. Everything else goes through Fastify's own (safe) parser.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && request.method === 'DELETE') return done(null, undefined);
    return parseJson(request, body.toString(), done);
  });

  registerRequestLogging(app);
  registerErrorHandler(app, store.dialect);
  if (rateLimitPerMinute > 0) await registerRateLimit(app, rateLimitPerMinute);
  app.addHook('onRequest', authHook(store.db));

  await registerOpenApi(app, PATRON_VERSION);

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(store.db);
      return { status: 'ready', store: store.dialect.name };
    } catch {
      return reply.code(503).send({ status: 'not ready', store: store.dialect.name });
    }
  });
  app.get(ERRORS_DOC_PATH, { schema: { hide: true } }, async () =>
    Object.values(errorCatalogue).map(({ status, code, type, description }) => ({ status, code, type, description })),
  );

  registerCustomerRoutes(app, store);
  registerTagRoutes(app, store);
  registerReferralRoutes(app, store);
  registerBatchRoutes(app, store);
  return app;
}
