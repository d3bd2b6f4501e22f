import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { PROJECT_ROOT } from './project-root.js';

/** The published reference document, copied into the repository (see reference/README.md). */
export const REFERENCE_PATH = join(PROJECT_ROOT, 'reference/gameball-v4-customers.openapi.json');

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      { operationId?: string; security?: Array<Record<string, unknown>>; responses: Record<string, unknown> }
    >
  >;
  components: { schemas: Record<string, { properties?: Record<string, { properties?: Record<string, unknown> }> }> };
}

export const reference = JSON.parse(readFileSync(REFERENCE_PATH, 'utf8')) as OpenApiDocument;

export const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(reference as unknown as object, 'reference');

/** A validator for one of the reference's component schemas. */
export function referenceSchema(name: string): ValidateFunction {
  const validate = ajv.getSchema(`reference#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name} in the reference`);
  return validate;
}

export function assertConforms(name: string, value: unknown): void {
  const validate = referenceSchema(name);
  if (!validate(value)) {
    throw new Error(`${name} does not conform: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`);
  }
}

interface MediaSchema {
  $ref?: string;
}

/**
 * Checks a 200 answer against the response schema the reference publishes for that operation,
 * and against the keys Patron promises for it (the reference alone would accept `{}`).
 */
export function assertOperationConforms(path: string, method: string, value: unknown): void {
  const operation = reference.paths[path]?.[method];
  if (!operation) throw new Error(`no ${method} ${path} in the reference`);
  const ok = operation.responses['200'] as { content?: { 'application/json'?: { schema?: MediaSchema } } } | undefined;
  const schema = ok?.content?.['application/json']?.schema;
  // Some answers have no published body (e.g. delete): then only the promise applies.
  if (schema) {
    const validate = schema.$ref ? referenceSchema(schema.$ref.split('/').at(-1)!) : ajv.compile(schema);
    if (!validate(value)) {
      throw new Error(
        `${method} ${path} answer does not conform: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`,
      );
    }
  }
  assertOperationKeeps(path, method, value);
}

// The reference's response schemas declare no `required` keys, so `{}` would pass them. These are
// the keys the docs promise for each answer, checked on top of the reference.
const integer = { type: 'integer', minimum: 1 };
const text = { type: 'string', minLength: 1 };
const timestamp = { type: 'string', format: 'date-time' };
const referralCode = { type: 'string', pattern: '^[2-9A-HJ-NP-Z]{8}$' };
const success = { required: ['success', 'message'], properties: { success: { const: true }, message: text } };
/** A registered (non-guest) profile has a referral code; a guest has none. */
const referralCodeUnlessGuest = {
  if: { properties: { guest: { const: true } } },
  then: { not: { required: ['referralCode'] } },
  else: { required: ['referralCode'] },
};
const profile = {
  required: ['customerId', 'gameballId', 'isReferred', 'guest', 'isActive', 'customerAttributes'],
  properties: {
    customerId: text,
    gameballId: integer,
    referralCode,
    isReferred: { type: 'boolean' },
    guest: { type: 'boolean' },
    isActive: { type: 'boolean' },
    customerAttributes: {
      type: 'object',
      required: ['custom', 'tags'],
      properties: { custom: { type: 'object' }, tags: { type: 'array', items: { type: 'string' } } },
    },
  },
  ...referralCodeUnlessGuest,
};
const personalKeys = ['displayName', 'firstName', 'lastName', 'email', 'mobile', 'dateOfBirth'];

export const PROMISED: Record<string, object> = {
  'post /api/v4.0/integrations/customers': {
    required: ['gameballId'],
    properties: { gameballId: integer },
    additionalProperties: false,
  },
  'get /api/v4.0/integrations/customers/{customerId}': {
    ...profile,
    // No personal data without the secret key, at the top level or among the attributes.
    allOf: [
      { not: { anyOf: ['email', 'mobile', 'mergedCustomerIds', 'pushDevices'].map((k) => ({ required: [k] })) } },
      { properties: { customerAttributes: { not: { anyOf: personalKeys.map((k) => ({ required: [k] })) } } } },
    ],
  },
  'get /api/v4.0/integrations/customers/{customerId}/details': {
    ...profile,
    required: [...profile.required, 'isGuest', 'mergedCustomerIds', 'pushDevices', 'createdAt', 'updatedAt'],
    properties: {
      ...profile.properties,
      isGuest: { type: 'boolean' },
      mergedCustomerIds: { type: 'array', minItems: 1, items: text },
      pushDevices: { type: 'array', maxItems: 20, items: { type: 'object', required: ['deviceToken', 'updatedAt'] } },
      createdAt: timestamp,
      updatedAt: timestamp,
    },
  },
  'delete /api/v4.0/integrations/customers/{customerId}': success,
  'put /api/v4.0/integrations/customers/{customerId}/activate': {
    required: ['customerId', 'isActive', 'stateChanged'],
    properties: { customerId: text, isActive: { type: 'boolean' }, stateChanged: { type: 'boolean' } },
  },
  'get /api/v4.0/integrations/customers/{customerId}/hash': {
    required: ['hash', 'expiresAt'],
    properties: { hash: { type: 'string', minLength: 32 }, expiresAt: timestamp },
  },
  'get /api/v4.0/integrations/referrals/validate': {
    required: ['isValid'],
    properties: { isValid: { type: 'boolean' } },
  },
  'get /api/v4.0/integrations/customers/{customerId}/referrals': {
    required: ['referredFriends', 'count', 'hasMore'],
    properties: {
      referredFriends: { type: 'array', items: { type: 'object', required: ['customerId', 'joinDate', 'status'] } },
      count: { type: 'integer', minimum: 0 },
      hasMore: { type: 'boolean' },
    },
  },
  'get /api/v4.0/integrations/customers/{customerId}/referrals/count': {
    required: ['count', 'totalPending', 'totalActive'],
    properties: {
      count: { type: 'integer', minimum: 0 },
      totalPending: { type: 'integer', minimum: 0 },
      totalActive: { type: 'integer', minimum: 0 },
    },
  },
  'post /api/v4.0/integrations/customers/{customerId}/tags': success,
  'delete /api/v4.0/integrations/customers/{customerId}/tags': success,
  'delete /api/v4.0/integrations/customers/{customerId}/tags/{tag}': success,
  'post /api/v4.0/integrations/batch/customers': {
    required: ['jobId', 'batchId', 'status', 'totalItems'],
    properties: {
      jobId: integer,
      batchId: text,
      status: { const: 'pending' },
      totalItems: { type: 'integer', minimum: 1 },
    },
  },
  'get /api/v4.0/integrations/batches/{batchId}/status': {
    required: ['batchId', 'status', 'progress', 'totalItems', 'processedItems', 'failedItems'],
    properties: {
      progress: { type: 'number', minimum: 0, maximum: 100 },
      totalItems: { type: 'integer' },
      processedItems: { type: 'integer' },
      failedItems: { type: 'integer' },
    },
  },
  'post /api/v4.0/integrations/batches/{batchId}/stop': {
    required: ['batchId', 'status', 'message'],
    properties: { batchId: text, status: text, message: text },
  },
};

const promisedValidators = new Map<string, ValidateFunction>();

/** Checks an answer against the keys Patron promises for that operation (see PROMISED). */
export function assertOperationKeeps(path: string, method: string, value: unknown): void {
  const key = `${method} ${path}`;
  const schema = PROMISED[key];
  if (!schema) throw new Error(`no promise recorded for ${key}`);
  let validate = promisedValidators.get(key);
  if (!validate) promisedValidators.set(key, (validate = ajv.compile({ type: 'object', ...schema })));
  if (!validate(value)) {
    throw new Error(
      `${key} answer misses what it promises: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`,
    );
  }
}
