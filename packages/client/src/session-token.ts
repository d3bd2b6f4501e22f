import { CompactEncrypt, SignJWT } from 'jose';

export interface SessionTokenInput {
  /** The account's secretKey: its UTF-8 bytes (32) key both the signature and the encryption. */
  secretKey: string;
  /** The customer the token acts for: a call about another customer is refused (1103). */
  customerId: string;
  customerEmail?: string;
  customerMobile?: string;
  /** Seconds from now, or a span as jose reads it ('15m', '2h'). */
  expiresIn: number | string;
}

/**
 * An API v4.1 session token (X-GB-TOKEN), made as Gameball documents it and Patron verifies it:
 * a JWT signed HS256, then encrypted as a compact JWE (A256KW, A256CBC-HS512), both keyed with
 * the secretKey's UTF-8 bytes. A merchant's backend makes it and hands it to an app, which then
 * calls Patron without the secretKey.
 */
export async function makeSessionToken(input: SessionTokenInput): Promise<string> {
  const key = new TextEncoder().encode(input.secretKey);
  // A256KW takes a 256-bit key; jose's own message would not say which input is wrong.
  if (key.length !== 32) throw new TypeError(`secretKey must be 32 bytes as UTF-8 (got ${key.length})`);
  const claims = {
    customerId: input.customerId,
    ...(input.customerEmail !== undefined && { customerEmail: input.customerEmail }),
    ...(input.customerMobile !== undefined && { customerMobile: input.customerMobile }),
  };
  // jose reads a number as a moment (Unix seconds), not a duration.
  const exp = typeof input.expiresIn === 'number' ? Math.floor(Date.now() / 1000) + input.expiresIn : input.expiresIn;
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key);
  return new CompactEncrypt(new TextEncoder().encode(jwt))
    .setProtectedHeader({ alg: 'A256KW', enc: 'A256CBC-HS512', cty: 'JWT' })
    .encrypt(key);
}
