import { invalid, type AppError } from './errors.js';

/**
 * How deep a client's JSON may nest (the body object is level 1). Real payloads nest a handful
 * of levels; the bound keeps every walk over stored client data short (no stack overflow) and a
 * profile that was accepted readable and writable for ever.
 */
export const MAX_JSON_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What a store could not keep as sent, or would keep differently on SQLite and PostgreSQL. */
function stringProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored';
  // A lone UTF-16 surrogate is not a Unicode character: PostgreSQL refuses it, SQLite mangles it.
  if (LONE_SURROGATE.test(value)) return 'contains a lone surrogate (\\uD800-\\uDFFF), which is not valid Unicode text';
  return undefined;
}

function fieldName(path: readonly string[], prefix: string): string {
  const joined = path.join('.');
  return prefix && joined ? `${prefix}.${joined}` : prefix || joined || 'body';
}

/**
 * Checks a parsed JSON value before any rule reads it: at most MAX_JSON_DEPTH levels, text that
 * is valid Unicode without NUL (values and keys), finite numbers (JSON.parse reads 1e309 as
 * Infinity, which JSON.stringify would store as null). Answers the error naming the first
 * field at fault. Iterative, so the check itself cannot overflow the stack.
 */
export function unsafeJson(value: unknown, prefix = ''): AppError | undefined {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = stringProblem(current);
      if (problem) return invalid(fieldName(path, prefix), problem);
    } else if (typeof current === 'number') {
      if (!Number.isFinite(current))
        return invalid(fieldName(path, prefix), 'must be a finite number (1e309 and beyond are not)');
    } else if (current !== null && typeof current === 'object') {
      if (path.length >= MAX_JSON_DEPTH) {
        // Name where it starts to go deep, not a path of 32 segments.
        return invalid(fieldName(path.slice(0, 3), prefix), `nests deeper than ${MAX_JSON_DEPTH} levels`);
      }
      for (const [key, child] of Object.entries(current)) {
        const problem = stringProblem(key);
        if (problem) return invalid(fieldName(path, prefix), `has a key that ${problem}`);
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return undefined;
}

/** Whether a path or query value is text a store can look up as sent (see stringProblem). */
export function isStorableText(value: string): boolean {
  return stringProblem(value) === undefined;
}
