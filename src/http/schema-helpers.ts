import { Type, type Static, type TSchema } from 'typebox';

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

export const ErrorResponse = Type.Object(
  {
    code: Type.Integer({ description: 'Patron/Gameball error code, e.g. 3003.' }),
    type: Type.String({ description: 'Error category, e.g. "Payload Error".' }),
    message: Type.String({ description: 'What went wrong and how to fix it; names the field.' }),
    documentationUrl: Type.String({ description: 'Where the error code is explained.' }),
    requestId: Type.String({ description: 'Also sent as the x-request-id header and logged.' }),
  },
  { $id: 'ErrorResponse', description: 'Every non-2xx answer has this shape.' },
);

/** The error answers every operation may give, for the OpenAPI document. */
export const errorResponses = { '4xx': ErrorResponse, '5xx': ErrorResponse };

export const SuccessResponse = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
});
