import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { AppError, invalid } from './errors.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** ISO 8601 calendar date, optionally with a time and offset; the date itself must exist. */
export function isIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    !Number.isNaN(Date.parse(value.length === 10 ? value : value.replace(' ', 'T')))
  );
}

const DURATION_UNITS = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 } as const;

/**
 * A lifetime as the CLI takes one: seconds, or a number with s, m, h or d (`900`, `15m`, `2h`,
 * `1d`), from `min` to `max` seconds; otherwise a refusal naming `field` with `range` in words.
 */
export function durationSeconds(
  text: string,
  { min, max, range }: { min: number; max: number; range: string },
  field = 'ttl',
): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * DURATION_UNITS[match[2] as keyof typeof DURATION_UNITS] : Number.NaN;
  if (!(seconds >= min && seconds <= max))
    throw invalid(field, `must be ${range}, written as seconds or a number with s, m, h or d (e.g. 2h)`);
  return seconds;
}

function buildAjv(coerceTypes: boolean): Ajv {
  // Bodies are never coerced: "5" for totalOrders is a wrong type, not a number.
  // Params and query strings arrive as text and are coerced to their declared types.
  const ajv = new Ajv({
    coerceTypes,
    allErrors: false,
    strict: false,
    verbose: true,
    useDefaults: true,
    removeAdditional: false,
  });
  addFormats.default(ajv);
  ajv.addFormat('iso-date', { type: 'string', validate: isIsoDate });
  return ajv;
}

const bodyAjv = buildAjv(false);
const textAjv = buildAjv('array' as unknown as boolean);

/** A body validator exactly like the routes' own, for items that arrive inside another body. */
export function compileBodyValidator(schema: object): ValidateFunction {
  return bodyAjv.compile(schema);
}

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : textAjv;
  return ajv.compile(schema as object) as ValidateFunction;
};

/** `/customerAttributes/totalOrders` → `customerAttributes.totalOrders`. */
function fieldOf(error: ErrorObject, context: string): string {
  const path = error.instancePath
    .split('/')
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required') path.push(String(error.params.missingProperty));
  if (error.keyword === 'propertyNames' && error.params.propertyName !== undefined)
    path.push(String(error.params.propertyName));
  if (path.length === 0) return context === 'body' ? 'body' : context;
  return path.join('.');
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'type': {
      const types = ([] as string[]).concat(error.params.type as string | string[]).filter((t) => t !== 'null');
      const name =
        types[0] === 'integer'
          ? 'an integer'
          : types[0] === 'object'
            ? 'a JSON object'
            : types[0] === 'array'
              ? 'an array'
              : `a ${types[0]}`;
      return `must be ${name}`;
    }
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[])
        .filter((v) => v !== null)
        .map((v) => JSON.stringify(v))
        .join(', ')}`;
    case 'format':
      return error.params.format === 'iso-date'
        ? 'must be an ISO 8601 date such as 2024-05-01 or 2024-05-01T10:00:00Z'
        : `must be a valid ${error.params.format}`;
    case 'minimum':
      return `must be ${error.params.limit} or more`;
    case 'maximum':
      return `must be ${error.params.limit} or less`;
    case 'minLength':
      return `must not be empty`;
    case 'maxLength':
      return `must be at most ${error.params.limit} characters`;
    case 'maxProperties':
      return `must have at most ${error.params.limit} keys`;
    case 'propertyNames':
      return 'key is longer than 100 characters';
    default:
      return error.message ?? 'is invalid';
  }
}

/** Turns the first schema violation into the documented error: 3000 missing, 3001 null, 3003 invalid. */
export function validationError(errors: ErrorObject[], context: string): AppError {
  const error = errors.find((e) => e.keyword !== 'anyOf' && e.keyword !== 'if') ?? errors[0];
  if (!error) return new AppError('invalidValue', 'The request is invalid.');
  const field = fieldOf(error, context);
  if (error.keyword === 'required') {
    return new AppError('missingField', `'${field}' is required.`, field);
  }
  if (error.keyword === 'type' && error.data === null && error.instancePath !== '') {
    return new AppError('nullField', `'${field}' is required and cannot be null.`, field);
  }
  if (field === 'body') return new AppError('invalidValue', 'The request body must be a JSON object.', 'body');
  return new AppError('invalidValue', `Invalid value for '${field}': ${describe(error)}.`, field);
}
