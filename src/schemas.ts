import { Type, type Static, type TSchema } from 'typebox';

/** Schema building blocks shared by the wire formats of every module and interface. */

/**
 * `T | null` as one JSON-schema type list rather than anyOf, so a wrong value yields one
 * validation error that names the field instead of one per branch.
 */
export function Nullable<T extends TSchema>(schema: T) {
  const json = schema as unknown as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...json, type: [json.type, 'null'] };
  if (Array.isArray(json.enum)) copy.enum = [...(json.enum as unknown[]), null];
  return Type.Unsafe<Static<T> | null>(copy);
}

/** A request field of a partial update: may be absent (left as is) or null (cleared). */
export function Patchable<T extends TSchema>(schema: T) {
  return Type.Optional(Nullable(schema));
}
