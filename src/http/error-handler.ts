import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorObject } from 'ajv';
import { AppError, ERRORS_DOC_PATH, type ErrorBody } from '../errors.js';
import type { Dialect } from '../db/dialect.js';
import { validationError } from './validation.js';

const FASTIFY_ERRORS: Record<string, () => AppError> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new AppError('unsupportedMediaType', 'The body must be JSON: send Content-Type: application/json.'),
  FST_ERR_CTP_BODY_TOO_LARGE: () => new AppError('payloadTooLarge', 'The body is larger than 64 KiB. Send fewer or smaller attributes.'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new AppError('malformedJson', 'The body is not well-formed JSON.'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new AppError('malformedJson', 'The body is empty; send a JSON object.'),
};

function toAppError(error: FastifyError, dialect: Dialect): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error.validation) return validationError(error.validation as unknown as ErrorObject[], error.validationContext ?? 'body');
  const known = FASTIFY_ERRORS[error.code];
  if (known) return known();
  // secure-json-parse rejects __proto__ / constructor.prototype keys with a SyntaxError.
  if (error instanceof SyntaxError && (error.statusCode ?? 400) === 400) return new AppError('malformedJson', 'The body is not well-formed JSON.');
  if (dialect.isConnectionError(error)) return new AppError('storeUnavailable', 'The database is unreachable right now; retry shortly.');
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('malformedJson', `The request could not be read: ${error.message}`);
  }
  return undefined;
}

export function errorBody(request: FastifyRequest, error: AppError): ErrorBody {
  return {
    code: error.code,
    type: error.type,
    message: error.message,
    documentationUrl: `${request.protocol}://${request.host}${ERRORS_DOC_PATH}#${error.code}`,
    requestId: String(request.id),
  };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  return reply.code(error.status).type('application/json; charset=utf-8').send(errorBody(request, error));
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
    return sendError(request, reply, new AppError('internal', `Something went wrong on our side. Quote requestId ${request.id} when reporting it.`));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new AppError('notFound', `No operation at ${request.method} ${request.url.split('?')[0]}. See /openapi.json for the operations Patron serves.`)),
  );
}
