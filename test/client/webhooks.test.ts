import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook, WebhookVerificationError } from '../../packages/client/src/index.js';

// The receiver's side: verifyWebhook against signatures made by the standardwebhooks package (the
// scheme's reference implementation) and by Patron's legacy computations (docs/webhooks.md). A real
// Patron delivery is verified in client.stores.test.ts.

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const body = JSON.stringify({ event: 'customer.profile.updated', customer_id: 'c-1', data: { city: 'Giza' } });

/** The three headers of a Standard Webhooks delivery signed at `at`. */
function signed(at: Date, payload = body, signer = new Webhook(secret)) {
  return {
    'webhook-id': 'msg_2x9',
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signer.sign('msg_2x9', at, payload),
  };
}

const minutes = (n: number) => new Date(Date.now() + n * 60_000);
const refused = (input: Parameters<typeof verifyWebhook>[0], reason: RegExp) =>
  assert.throws(
    () => verifyWebhook(input),
    (e: unknown) => e instanceof WebhookVerificationError && reason.test(e.message),
  );

describe('verifyWebhook: Standard Webhooks (the default scheme)', () => {
  test('a delivery signed by the standardwebhooks package verifies and answers the parsed event', () => {
    const event = verifyWebhook<{ customer_id: string }>({ secret, headers: signed(new Date()), body });
    assert.equal(event.customer_id, 'c-1');
    // As bytes, with a Headers object, and with capitalised names in a plain record.
    const headers = signed(minutes(-4));
    assert.ok(verifyWebhook({ secret, headers: new Headers(headers), body: new TextEncoder().encode(body) }));
    const capitalised = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    assert.ok(verifyWebhook({ secret, headers: capitalised, body }));
  });

  test('any v1 entry of a space-separated list may match (a secret being rotated)', () => {
    const headers = signed(new Date());
    const old = new Webhook(`whsec_${randomBytes(32).toString('base64')}`).sign('msg_2x9', new Date(), body);
    assert.ok(
      verifyWebhook({
        secret,
        headers: { ...headers, 'webhook-signature': `${old} ${headers['webhook-signature']}` },
        body,
      }),
    );
    refused({ secret, headers: { ...headers, 'webhook-signature': old }, body }, /no webhook-signature entry matches/);
    const v2 = headers['webhook-signature'].replace(/^v1,/, 'v2,');
    refused({ secret, headers: { ...headers, 'webhook-signature': v2 }, body }, /no webhook-signature entry matches/);
  });

  test("Patron's secrets (whsec_ + base64url) work as the key they encode", () => {
    const key = randomBytes(24);
    const headers = signed(new Date(), body, new Webhook(key, { format: 'raw' }));
    assert.ok(verifyWebhook({ secret: `whsec_${key.toString('base64url')}`, headers, body }));
  });

  test('refused: a tampered body, another id, a wrong secret, missing headers', () => {
    const headers = signed(new Date());
    refused({ secret, headers, body: body.replace('Giza', 'Cairo') }, /no webhook-signature entry matches/);
    refused({ secret, headers: { ...headers, 'webhook-id': 'msg_other' }, body }, /no webhook-signature entry matches/);
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    refused({ secret: other, headers, body }, /no webhook-signature entry matches/);
    refused({ secret, headers: { 'webhook-id': 'msg_2x9' }, body }, /missing/);
  });

  test('refused: a timestamp more than 5 minutes old or ahead (both ways); toleranceSeconds changes the window', () => {
    refused({ secret, headers: signed(minutes(-6)), body }, /tolerance/);
    refused({ secret, headers: signed(minutes(6)), body }, /tolerance/);
    assert.ok(verifyWebhook({ secret, headers: signed(minutes(4)), body }));
    refused({ secret, headers: signed(minutes(-4)), body, toleranceSeconds: 60 }, /tolerance/);
    refused({ secret, headers: { ...signed(new Date()), 'webhook-timestamp': 'now' }, body }, /tolerance/);
  });

  test('the scheme is the receiver’s choice: a Standard delivery does not pass as hmac-sha256', () => {
    refused({ secret, headers: signed(new Date()), body, scheme: 'hmac-sha256' }, /x-gb-signature/);
  });
});

describe("verifyWebhook: Patron's legacy schemes (x-gb-signature)", () => {
  const legacySecret = `whsec_${randomBytes(24).toString('base64url')}`;

  test('hmac-sha256: hex HMAC-SHA256 of the body keyed with the whole secret, whsec_ included', () => {
    const signature = createHmac('sha256', legacySecret).update(body).digest('hex');
    const event = verifyWebhook<{ customer_id: string }>({
      secret: legacySecret,
      headers: { 'X-GB-Signature': signature },
      body,
      scheme: 'hmac-sha256',
    });
    assert.equal(event.customer_id, 'c-1');
    refused({ secret: legacySecret, headers: { 'x-gb-signature': signature }, body }, /missing webhook-id/);
    const withoutPrefix = createHmac('sha256', legacySecret.slice('whsec_'.length)).update(body).digest('hex');
    refused(
      { secret: legacySecret, headers: { 'x-gb-signature': withoutPrefix }, body, scheme: 'hmac-sha256' },
      /x-gb-signature/,
    );
    refused(
      { secret: legacySecret, headers: { 'x-gb-signature': 'zz' + signature.slice(2) }, body, scheme: 'hmac-sha256' },
      /x-gb-signature/,
    );
    refused({ secret: legacySecret, headers: {}, body, scheme: 'hmac-sha256' }, /x-gb-signature/);
  });

  test("gameball-v4: hex SHA-1 of body + ':' + secret, only when asked for", () => {
    const kept = 'receiver-kept-secret-0123456789';
    const signature = createHash('sha1').update(`${body}:${kept}`).digest('hex');
    assert.ok(verifyWebhook({ secret: kept, headers: { 'x-gb-signature': signature }, body, scheme: 'gameball-v4' }));
    refused({ secret: kept, headers: { 'x-gb-signature': signature }, body, scheme: 'hmac-sha256' }, /x-gb-signature/);
    refused(
      { secret: kept, headers: { 'x-gb-signature': signature }, body: `${body} `, scheme: 'gameball-v4' },
      /x-gb-signature/,
    );
  });
});
