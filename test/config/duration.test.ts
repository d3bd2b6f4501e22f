import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { durationSeconds } from '../../src/validation.js';

// `patron tokens create --ttl` (1 s to 30 d) and `patron console link --ttl` (1 minute to 1 day).
const TOKENS = { min: 1, max: 30 * 86_400, range: '1 s to 30 d' };
const LINKS = { min: 60, max: 86_400, range: '1 minute to 1 day' };

describe('durationSeconds — the CLI lifetimes', () => {
  test('seconds, or a number with s, m, h or d', () => {
    assert.deepEqual(
      ['900', '900s', '15m', '15 m', '2h', '1d', ' 30d '].map((t) => durationSeconds(t, TOKENS)),
      [900, 900, 900, 900, 7200, 86_400, 2_592_000],
    );
  });

  test('outside its bounds or not a duration: refused, naming the field and the range', () => {
    for (const [text, bounds] of [
      ['0', TOKENS],
      ['31d', TOKENS],
      ['59s', LINKS],
      ['2d', LINKS],
      ['1.5h', TOKENS],
      ['-1m', TOKENS],
      ['h', TOKENS],
      ['', LINKS],
    ] as const) {
      assert.throws(
        () => durationSeconds(text, bounds),
        (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.field, 'ttl');
          assert.match(error.message, new RegExp(`must be ${bounds.range}`));
          return true;
        },
        text,
      );
    }
    assert.equal(durationSeconds('1m', LINKS), 60);
    assert.equal(durationSeconds('1d', LINKS), 86_400);
  });
});
