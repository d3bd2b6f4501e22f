import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '../../src/modules/webhooks/webhook-signature.js';

// One secret may hold none of the characters that tell the two base64 alphabets apart (about a
// third of them do not): 200 tell for certain.
const DRAWS = 200;

test('a new standard-webhooks secret is whsec_ + standard base64 (+ and /, never - or _) of 24 random bytes', () => {
  const secrets = Array.from({ length: DRAWS }, () => generateWebhookSecret('standard-webhooks'));
  for (const secret of secrets) {
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.doesNotThrow(() => new Webhook(secret), 'the package decodes it');
  }
  assert.ok(secrets.some((s) => /[+/]/.test(s)));
  assert.equal(new Set(secrets).size, DRAWS);
});

test('a new secret of the legacy schemes keeps its format: whsec_ + base64url of 24 random bytes', () => {
  for (const scheme of ['hmac-sha256', 'gameball-v4'] as const) {
    const secrets = Array.from({ length: DRAWS }, () => generateWebhookSecret(scheme));
    for (const secret of secrets) assert.match(secret, /^whsec_[A-Za-z0-9_-]{32}$/, scheme);
    assert.ok(
      secrets.some((s) => /[_-]/.test(s)),
      scheme,
    );
  }
});
