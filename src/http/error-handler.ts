import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorObject } from 'ajv';
import { AppError, ERRORS_DOC_PATH, type ErrorBody } from '../errors.js';
import type { Dialect } from '../db/dialect.js';
import { validationError } from '../validation.js';
import { holdsSecretKey } from '../modules/accounts/index.js';
import { header } from './auth.js';

const FASTIFY_ERRORS: Record<string, () => AppError> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new AppError('unsupportedMediaType', 'The body must be JSON: send Content-Type: application/json.'),
  FST_ERR_CTP_BODY_TOO_LARGE: () =>
    new AppError('payloadTooLarge', 'The body is larger than 64 KiB. Send fewer or smaller attributes.'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new AppError('malformedJson', 'The body is not well-formed JSON.'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new AppError('malformedJson', 'The body is empty; send a JSON object.'),
};

function toAppError(error: FastifyError, dialect: Dialect): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error.validation)
    return validationError(error.validation as unknown as ErrorObject[], error.validationContext ?? 'body');
  const known = FASTIFY_ERRORS[error.code];
  if (known) return known();
  // secure-json-parse rejects __proto__ / constructor.prototype keys with a SyntaxError.
  if (error instanceof SyntaxError && (error.statusCode ?? 400) === 400)
    return new AppError('malformedJson', 'The body is not well-formed JSON.');
  if (dialect.isConnectionError(error))
    return new AppError('storeUnavailable', 'The database is unreachable right now; retry shortly.');
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('malformedJson', `The request could not be read: ${error.message}`);
  }
  return undefined;
}

/** Details about other customers go only to callers who proved the secretKey. */
function messageFor(request: FastifyRequest, error: AppError): string {
  if (!error.secretDetail || !request.account) return error.message;
  return holdsSecretKey(request.account, header(request, 'secretkey'))
    ? `${error.message} ${error.secretDetail}`
    : error.message;
}

/** The documented error shape; `origin` is where this node's /errors catalogue is served. */
function shapeError(error: AppError, message: string, origin: string, requestId: string): ErrorBody {
  return {
    code: error.code,
    type: error.type,
    message,
    documentationUrl: `${origin}${ERRORS_DOC_PATH}#${error.code}`,
    requestId,
  };
}

export function errorBody(request: FastifyRequest, error: AppError): ErrorBody {
  return shapeError(error, messageFor(request, error), `${request.protocol}://${request.host}`, String(request.id));
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  // Set here too: errors raised before routing (frameworkErrors) skip the onRequest hook that sets it.
  return reply
    .code(error.status)
    .header('x-request-id', request.id)
    .type('application/json; charset=utf-8')
    .send(errorBody(request, error));
}

export function registerErrorHandler(app: FastifyInstance, dialect: Dialect): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = toAppError(error, dialect);
    if (known) {
      if (known.status >= 500) request.log.warn({ err: error }, 'request failed: store unavailable');
      return sendError(request, reply, known);
    }
    // Never echo an unexpected error's message: it may carry SQL or data.
    request.log.error({ err: error }, 'unexpected error');
    return sendError(
      request,
      reply,
      new AppError('internal', `Something went wrong on our side. Quote requestId ${request.id} when reporting it.`),
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new AppError(
        'notFound',
        `No operation at ${request.method} ${request.originalUrl.split('?')[0]}. See /openapi.json for the operations Patron serves.`,
      ),
    ),
  );
}

/**
 * Errors Fastify raises before routing (a path that is not valid percent-encoded UTF-8, such
 * as %FF or a bare %): no customer or operation can have that path, so it is not found.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const notFound = error.code === 'FST_ERR_BAD_URL';
  void sendError(
    request,
    reply,
    notFound
      ? new AppError('notFound', 'The path is not valid percent-encoded UTF-8, so no customer or operation has it.')
      : new AppError('malformedRequest', 'The request could not be read.'),
  );
}

/**
 * Errors of the HTTP parser itself (headers over the limit, broken framing) come before any
 * request exists; they still get the documented error body, written straight to the socket.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const entry = new AppError(
    tooLarge ? 'headersTooLarge' : 'malformedRequest',
    tooLarge
      ? 'The request headers are larger than 16 KiB in all; send only the headers the API needs.'
      : 'The HTTP request could not be read.',
  );
  const requestId = randomUUID();
  const body = JSON.stringify(
    shapeError(
      entry,
      entry.message,
      `http://${socket.localAddress ?? 'localhost'}:${socket.localPort ?? 80}`,
      requestId,
    ),
  );
  socket.end(
    `HTTP/1.1 ${entry.status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}
