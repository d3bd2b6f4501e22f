import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { LogLevel } from './config.js';
import type { Store } from './db/connect.js';
import { AppError, invalid } from './errors.js';
import { isStorableText, unsafeJson } from './safe-json.js';
import { authHook, routeV41AsV40, sessionCustomerHook } from './http/auth.js';
import { clientErrorHandler, frameworkErrors, registerErrorHandler } from './http/error-handler.js';
import { registerRateLimit } from './http/rate-limit.js';
import { genRequestId, loggerOptions, registerRequestLogging } from './http/observability.js';
import { registerRequestTracing } from './http/tracing.js';
import { registerOpenApi } from './http/openapi.js';
import { registerErrorsPage } from './http/errors-page.js';
import { validatorCompiler } from './validation.js';
import { registerBatchRoutes } from './http/routes/batches.routes.js';
import { registerCustomerRoutes } from './http/routes/customers.routes.js';
import { registerReferralRoutes } from './http/routes/referrals.routes.js';
import { registerTagRoutes } from './http/routes/tags.routes.js';
import { registerHistoryRoutes } from './http/routes/history.routes.js';
import { registerPrivacyRoutes } from './http/routes/privacy.routes.js';
import { registerIdentityRoutes } from './http/routes/identity.routes.js';
import { registerDuplicatesRoutes } from './http/routes/duplicates.routes.js';
import { registerIdempotency } from './modules/idempotency/index.js';
import { AccountRateLimiter, registerAccountLimits } from './modules/limits/index.js';
import { SINGLE_NODE, type NodeCount } from './modules/limits/index.js';
import { storeMetricsRegistry } from './metrics/store-gauges.js';
import { registerConsole } from './console/console.routes.js';

export const BODY_LIMIT_BYTES = 64 * 1024;
export const PATRON_VERSION = '0.1.0';

/** Whether the route reads a body at all: a bodiless POST (delete, stop) may say JSON and send nothing. */
function hasBodySchema(request: FastifyRequest): boolean {
  return request.routeOptions.schema?.body !== undefined;
}

/**
 * A path id or query value with a NUL (%00) can name nothing that is stored, and PostgreSQL
 * cannot even compare it: a path id is then not found, a query value is invalid.
 */
function rejectUnstorableText(request: FastifyRequest): void {
  for (const value of Object.values((request.params ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && !isStorableText(value)) {
      throw new AppError('notFound', 'Nothing has that id: it contains a NUL character or invalid text.');
    }
  }
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text === 'string' && !isStorableText(text))
        throw invalid(name, 'contains a NUL character or invalid text');
    }
  }
}

export interface AppOptions {
  store: Store;
  logLevel?: LogLevel;
  /** Where logs go; tests pass a stream to read them. */
  logStream?: NodeJS.WritableStream;
  /** Requests per minute per apiKey; 0 or absent: no limit. */
  rateLimitPerMinute?: number;
  /** How many nodes share each account's limits (a NodeRegistry when serving); absent: this one alone. */
  nodes?: NodeCount;
  /** Where /metrics is served: `app` (default) on this app, `elsewhere` (PATRON_METRICS_PORT) not here. */
  metrics?: 'app' | 'elsewhere';
}

/** Builds the HTTP app on a connected, migrated store. Never listens. */
export async function buildApp({
  store,
  logLevel = 'info',
  logStream,
  rateLimitPerMinute = 0,
  nodes = SINGLE_NODE,
  metrics = 'app',
}: AppOptions): Promise<FastifyInstance> {
  const logger = loggerOptions(logLevel);
  const app = Fastify({
    logger: logStream && typeof logger === 'object' ? { ...logger, stream: logStream } : logger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: genRequestId,
    // One line per request comes from our onResponse hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    routerOptions: { ignoreTrailingSlash: true },
    rewriteUrl: routeV41AsV40,
    // Every answer Patron can shape carries the documented error body, even before routing.
    frameworkErrors,
    clientErrorHandler,
    // A request that arrives while the node shuts down gets the documented error body (below), not Fastify's own.
    return503OnClosing: false,
  });
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API; replies are plain JSON.stringify so no value is ever
  // coerced or dropped on the way out.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest('account', null as never);
  app.decorateRequest('sessionCustomerId', undefined);
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('heldIdempotencyKey', undefined);
  // The API speaks JSON only; without this Fastify would accept text/plain bodies as strings.
  app.removeContentTypeParser('text/plain');
  // Many HTTP clients send Content-Type: application/json on a DELETE, or on a POST that takes no
  // body (delete, stop a batch), with nothing after it; that is no body, not malformed JSON.
  // Everything else goes through Fastify's own (safe) parser.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // Kept as sent: an Idempotency-Key's repeat must send the same bytes.
    const text = (request.rawBody = body.toString());
    if (text === '' && (request.method === 'DELETE' || (request.method === 'POST' && !hasBodySchema(request))))
      return done(null, undefined);
    return parseJson(request, text, (error, parsed) => {
      if (error) return done(error, undefined);
      // Before any rule reads it: bounded depth, storable text, finite numbers (src/safe-json.ts).
      const unsafe = unsafeJson(parsed);
      return unsafe ? done(unsafe, undefined) : done(null, parsed);
    });
  });

  registerRequestTracing(app);
  registerRequestLogging(app);
  registerErrorHandler(app, store.dialect);
  // Shutting down: requests under way finish; a new one is refused before it does anything
  // (Fastify also closes its connection).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing)
      throw new AppError(
        'shuttingDown',
        'This node is shutting down; nothing was done. Retry: another node, or this one restarted, will answer.',
      );
  });
  // A request that was under way ends its connection with its answer, so no idle keep-alive
  // connection holds the shutdown open.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  if (rateLimitPerMinute > 0) await registerRateLimit(app, rateLimitPerMinute);
  app.addHook('onRequest', authHook(store));
  registerAccountLimits(app, new AccountRateLimiter(nodes));
  app.addHook('preValidation', async (request) => rejectUnstorableText(request));
  app.addHook('preHandler', sessionCustomerHook);
  registerIdempotency(app, store);

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
  if (metrics === 'app') {
    const registry = storeMetricsRegistry(store);
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );
  }
  registerErrorsPage(app);

  registerCustomerRoutes(app, store);
  registerTagRoutes(app, store);
  registerReferralRoutes(app, store);
  registerBatchRoutes(app, store);
  registerHistoryRoutes(app, store);
  registerPrivacyRoutes(app, store);
  registerIdentityRoutes(app, store);
  registerDuplicatesRoutes(app, store);
  await registerConsole(app, store);
  return app;
}
