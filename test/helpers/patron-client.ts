import assert from 'node:assert/strict';
import { PatronError } from '../../packages/client/src/index.js';

/** What a call of @patron/client throws, which must be a PatronError (a success fails the test). */
export async function patronError(call: Promise<unknown>): Promise<PatronError> {
  const thrown = await call.then(
    () => assert.fail('expected a refusal'),
    (error: unknown) => error,
  );
  assert.ok(thrown instanceof PatronError, String(thrown));
  return thrown;
}
