/**
 * The error catalogue: every error Patron answers with, and its HTTP status, numeric code
 * and type. Services throw AppError with a name from here; the HTTP error handler turns it
 * (and Fastify's own errors) into the wire shape docs/errors.md describes.
 */
export const errorCatalogue = {
  missingApiKey: {
    status: 401,
    code: 1000,
    type: 'Authentication Error',
    description: 'The apikey header is missing or unknown.',
  },
  invalidSecretKey: {
    status: 401,
    code: 1001,
    type: 'Authentication Error',
    description:
      'The operation needs the secretkey header (or the account is in high-security mode) and it is missing or wrong.',
  },
  forbidden: {
    status: 403,
    code: 1002,
    type: 'Authentication Error',
    description:
      'The keys are right but the call is not allowed: an API v4.0 call to an account whose minimum API version is 4.1.',
  },
  invalidSessionToken: {
    status: 401,
    code: 1101,
    type: 'Authentication Error',
    description:
      'The X-GB-TOKEN session token cannot be used: malformed, wrong algorithms, made with another key, altered, or missing a required claim; the message says which.',
  },
  sessionTokenExpired: {
    status: 401,
    code: 1102,
    type: 'Authentication Error',
    description: 'The X-GB-TOKEN session token is past its exp claim: make a new one.',
  },
  sessionTokenMismatch: {
    status: 401,
    code: 1103,
    type: 'Authentication Error',
    description: "The X-GB-TOKEN session token's customerId is not the customer of the call.",
  },
  sessionTokensUnavailable: {
    status: 401,
    code: 1104,
    type: 'Authentication Error',
    description:
      "This Patron cannot verify session tokens for the account: it has no master key, or the account's secretKey predates it (rotate the keys); send the secretkey header instead.",
  },
  missingField: {
    status: 400,
    code: 3000,
    type: 'Payload Error',
    description: 'A required field is missing from the request.',
  },
  nullField: { status: 422, code: 3001, type: 'Payload Error', description: 'A required field is null.' },
  invalidValue: {
    status: 422,
    code: 3003,
    type: 'Payload Error',
    description: 'A field has the wrong type or an invalid value; the message names the field.',
  },
  identifierConflict: {
    status: 422,
    code: 3008,
    type: 'Payload Error',
    description: 'The email or mobile already belongs to another customer profile.',
  },
  malformedRequest: {
    status: 400,
    code: 3012,
    type: 'Payload Error',
    description: 'The HTTP request itself could not be read (bad framing or header syntax).',
  },
  unsupportedMediaType: {
    status: 415,
    code: 3013,
    type: 'Payload Error',
    description: 'The body is not JSON (send Content-Type: application/json).',
  },
  payloadTooLarge: { status: 413, code: 3014, type: 'Payload Error', description: 'The body is larger than 64 KiB.' },
  headersTooLarge: {
    status: 431,
    code: 3015,
    type: 'Payload Error',
    description: 'The request headers are larger than 16 KiB in all.',
  },
  malformedJson: { status: 400, code: 3016, type: 'Payload Error', description: 'The body is not well-formed JSON.' },
  customerNotFound: {
    status: 404,
    code: 7000,
    type: 'General Error',
    description: "No customer with that customerId in this account (Gameball's code).",
  },
  referralCodeNotFound: {
    status: 404,
    code: 7003,
    type: 'Payload Error',
    description: 'No customer of this account has the referral code sent as referrerCode (or referralCode).',
  },
  referralNotAllowed: {
    status: 422,
    code: 7006,
    type: 'Payload Error',
    description: "The referral code cannot refer this customer: it is the customer's own, or its owner is inactive.",
  },
  notFound: {
    status: 404,
    code: 4004,
    type: 'General Error',
    description:
      'No such resource (batch, webhook, account) or operation; also a path that cannot name anything (not valid UTF-8, a NUL).',
  },
  notMerged: {
    status: 422,
    code: 4022,
    type: 'Request Error',
    description: 'The customer has only one customerId: there is nothing to unmerge.',
  },
  suggestionDecided: {
    status: 409,
    code: 4024,
    type: 'Request Error',
    description: 'The possible duplicate was already merged or dismissed.',
  },
  writeConflict: {
    status: 409,
    code: 4009,
    type: 'Request Error',
    description: 'Concurrent writes to the same customer kept conflicting; nothing was written. Retry the request.',
  },
  idempotencyKeyInUse: {
    status: 409,
    code: 4019,
    type: 'Request Error',
    description: 'A request with this Idempotency-Key is still running; retry after the Retry-After header.',
  },
  idempotencyKeyMismatch: {
    status: 422,
    code: 4023,
    type: 'Request Error',
    description:
      'This Idempotency-Key was first used for another request (method, path or body): a key stands for one request.',
  },
  rateLimited: {
    status: 429,
    code: 4029,
    type: 'Request Error',
    description: 'Too many requests; retry after the Retry-After header.',
  },
  internal: {
    status: 500,
    code: 5000,
    type: 'Server Error',
    description: 'An unexpected server error; the requestId finds it in the logs.',
  },
  shuttingDown: {
    status: 503,
    code: 5004,
    type: 'Server Error',
    description:
      'This node is shutting down and takes no new requests; retry (another node, or this one restarted, answers). Nothing was done.',
  },
  storeUnavailable: {
    status: 503,
    code: 5003,
    type: 'Server Error',
    description: 'The database cannot be reached; retry later.',
  },
} as const;

export type ErrorName = keyof typeof errorCatalogue;

/** Each Patron serves its error catalogue at this path; error bodies link to it. */
export const ERRORS_DOC_PATH = '/errors';

export class AppError extends Error {
  readonly status: number;
  readonly code: number;
  readonly type: string;
  /** The request field the error is about, when there is one (dotted path). */
  readonly field: string | undefined;
  /**
   * More about the error that names other customers' data: told only to a caller who also
   * proved the account's secretKey, since the apiKey alone ships inside mobile apps.
   */
  secretDetail: string | undefined;

  constructor(name: ErrorName, message: string, field?: string) {
    super(message);
    const entry = errorCatalogue[name];
    this.name = 'AppError';
    this.status = entry.status;
    this.code = entry.code;
    this.type = entry.type;
    this.field = field;
  }
}

export const invalid = (field: string, problem: string): AppError =>
  new AppError('invalidValue', `Invalid value for '${field}': ${problem}.`, field);

export interface ErrorBody {
  code: number;
  type: string;
  message: string;
  documentationUrl: string;
  requestId: string;
}
