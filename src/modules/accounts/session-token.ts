import { createDecipheriv } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../../errors.js';

/**
 * Session tokens (X-GB-TOKEN) as Gameball documents them: a JWT signed HS256, then encrypted as
 * a compact JWE with A256KW + A256CBC-HS512, both keyed with the account's secretKey taken as its
 * raw UTF-8 bytes (32 of them). A merchant's backend makes them; Patron only verifies them
 * (`patron tokens create` makes one for trying things locally).
 */
export interface SessionClaims {
  customerId: string;
  customerEmail?: string;
  customerMobile?: string;
  /** Unix seconds. */
  exp: number;
}

const KEY_ALGORITHM = 'A256KW';
const CONTENT_ALGORITHM = 'A256CBC-HS512';
const SIGNATURE_ALGORITHM = 'HS256';
/** A real token is well under 1 KiB; anything much larger is not worth decrypting. */
export const MAX_TOKEN_CHARS = 4096;
/** RFC 3394's default initial value: unwrapping under the wrong key fails its check. */
const KEY_WRAP_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

const bad = (problem: string) => new AppError('invalidSessionToken', `The X-GB-TOKEN session token ${problem}.`);

function keyOf(secretKey: string): Uint8Array {
  return new TextEncoder().encode(secretKey);
}

/**
 * jose answers every JWE failure alike (on purpose: an oracle must not learn which step
 * failed). Patron tells the merchant which, so it unwraps the content key itself first: a
 * failure there means the token was made with another key (or its key part altered).
 */
function madeWithThisKey(encryptedKey: string, key: Uint8Array): boolean {
  try {
    const decipher = createDecipheriv('id-aes256-wrap', key, KEY_WRAP_IV);
    Buffer.concat([decipher.update(Buffer.from(encryptedKey, 'base64url')), decipher.final()]);
    return true;
  } catch {
    return false;
  }
}

function readHeader(token: string): { alg?: string; enc?: string } {
  try {
    return decodeProtectedHeader(token) as { alg?: string; enc?: string };
  } catch {
    throw bad('is not a compact JWE: its header cannot be read');
  }
}

async function decrypt(token: string, key: Uint8Array): Promise<string> {
  const parts = token.split('.');
  if (parts.length !== 5) throw bad(`is not a compact JWE (five dot-separated parts; got ${parts.length})`);
  const header = readHeader(token);
  if (header.alg !== KEY_ALGORITHM || header.enc !== CONTENT_ALGORITHM) {
    throw bad(
      `must be encrypted with alg ${KEY_ALGORITHM} and enc ${CONTENT_ALGORITHM} (got alg ${String(header.alg)}, enc ${String(header.enc)})`,
    );
  }
  if (!madeWithThisKey(parts[1]!, key))
    throw bad("was not encrypted with this account's secretKey (made with another key, or its key part was altered)");
  try {
    const { plaintext } = await compactDecrypt(token, key, {
      keyManagementAlgorithms: [KEY_ALGORITHM],
      contentEncryptionAlgorithms: [CONTENT_ALGORITHM],
    });
    return new TextDecoder().decode(plaintext);
  } catch {
    throw bad('was altered after it was made: its content fails the integrity check');
  }
}

function optionalText(payload: Record<string, unknown>, claim: string): string | undefined {
  const value = payload[claim];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw bad(`has a ${claim} claim that is not a string`);
  return value;
}

async function verifySigned(jwt: string, key: Uint8Array, now: Date): Promise<SessionClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(jwt, key, {
      algorithms: [SIGNATURE_ALGORITHM],
      requiredClaims: ['exp'],
      currentDate: now,
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      const exp = Number((error.payload as { exp?: unknown }).exp);
      throw new AppError(
        'sessionTokenExpired',
        `The X-GB-TOKEN session token expired at ${new Date(exp * 1000).toISOString()}: make a new one.`,
      );
    }
    if (error instanceof errors.JWSSignatureVerificationFailed)
      throw bad("is not signed with this account's secretKey (signed with another key, or altered)");
    if (error instanceof errors.JOSEAlgNotAllowed) throw bad(`must hold a JWT signed with ${SIGNATURE_ALGORITHM}`);
    if (error instanceof errors.JWTClaimValidationFailed)
      throw bad(
        `has an unusable ${error.claim} claim: ${error.reason === 'missing' ? 'it is required' : error.message}`,
      );
    throw bad(`does not hold a signed JWT (${SIGNATURE_ALGORITHM})`);
  }
  const customerId = payload.customerId;
  const id = typeof customerId === 'number' && Number.isSafeInteger(customerId) ? String(customerId) : customerId;
  if (typeof id !== 'string' || id.trim() === '')
    throw bad('has no customerId claim (required: the customer the token is for)');
  const claims: SessionClaims = { customerId: id.trim(), exp: payload.exp as number };
  const email = optionalText(payload, 'customerEmail');
  const mobile = optionalText(payload, 'customerMobile');
  if (email !== undefined) claims.customerEmail = email;
  if (mobile !== undefined) claims.customerMobile = mobile;
  return claims;
}

/** The token's claims, or an AppError (401) that says what is wrong with it. */
export async function verifySessionToken(token: string, secretKey: string, now = new Date()): Promise<SessionClaims> {
  if (token.length > MAX_TOKEN_CHARS) throw bad(`is longer than ${MAX_TOKEN_CHARS} characters`);
  const key = keyOf(secretKey);
  return verifySigned(await decrypt(token, key), key, now);
}

/** Makes a token exactly as Gameball's documentation tells a merchant's backend to. */
export async function createSessionToken(
  secretKey: string,
  claims: Omit<SessionClaims, 'exp'>,
  ttlSeconds: number,
  now = new Date(),
): Promise<{ token: string; expiresAt: string }> {
  const key = keyOf(secretKey);
  const exp = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const jwt = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: SIGNATURE_ALGORITHM, typ: 'JWT' })
    .setExpirationTime(exp)
    .sign(key);
  const token = await new CompactEncrypt(new TextEncoder().encode(jwt))
    .setProtectedHeader({ alg: KEY_ALGORITHM, enc: CONTENT_ALGORITHM, cty: 'JWT' })
    .encrypt(key);
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}
