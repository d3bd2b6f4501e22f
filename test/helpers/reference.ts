import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));

/** The published reference document, kept in shared/ beside the project. */
export const REFERENCE_PATH = join(here, '../../../shared/reference/gameball-v4-customers.openapi.json');

export interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId?: string; security?: Array<Record<string, unknown>>; responses: Record<string, unknown> }>>;
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

/** Checks a 200 answer against the response schema the reference publishes for that operation. */
export function assertOperationConforms(path: string, method: string, value: unknown): void {
  const operation = reference.paths[path]?.[method];
  if (!operation) throw new Error(`no ${method} ${path} in the reference`);
  const ok = operation.responses['200'] as { content?: { 'application/json'?: { schema?: MediaSchema } } } | undefined;
  const schema = ok?.content?.['application/json']?.schema;
  if (!schema) return; // the reference publishes no body for this answer (e.g. delete)
  const validate = schema.$ref ? referenceSchema(schema.$ref.split('/').at(-1)!) : ajv.compile(schema);
  if (!validate(value)) {
    throw new Error(`${method} ${path} answer does not conform: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`);
  }
}
