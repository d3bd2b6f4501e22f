import { Type } from 'typebox';

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
