import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * The key-encryption key: it seals what Patron must be able to read back but never store in
 * clear (today, accounts' secretKeys, which verify session tokens). AES-256-GCM from Node's
 * crypto; the account id is the associated data, so a sealed value copied onto another
 * account does not open.
 */
export interface MasterKey {
  /** A short fingerprint, stored with every sealed value: says which key sealed it. */
  readonly id: string;
  seal(plain: string, context: string): string;
  /** The plain text, or why it cannot be had. */
  open(sealed: string, context: string): { plain: string } | { problem: 'other-key' | 'damaged' };
}

export const MASTER_KEY_BYTES = 32;
const VERSION = 'v1';

export function masterKeyFromBytes(key: Buffer): MasterKey {
  if (key.length !== MASTER_KEY_BYTES) throw new Error(`a master key is ${MASTER_KEY_BYTES} bytes, got ${key.length}`);
  const id = createHash('sha256').update('patron master key id\0').update(key).digest('hex').slice(0, 12);
  return {
    id,
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [
        VERSION,
        id,
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        data.toString('base64url'),
      ].join(':');
    },
    open(sealed, context) {
      const [version, keyId, iv, tag, data] = sealed.split(':');
      if (version !== VERSION || !iv || !tag || data === undefined) return { problem: 'damaged' };
      if (keyId !== id) return { problem: 'other-key' };
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return {
          plain: Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8'),
        };
      } catch {
        return { problem: 'damaged' };
      }
    },
  };
}

/** A master key written as 64 hex characters or as base64 / base64url of 32 bytes. */
export function parseMasterKey(text: string): MasterKey | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return masterKeyFromBytes(Buffer.from(trimmed, 'hex'));
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, ''), 'base64url');
    if (bytes.length === MASTER_KEY_BYTES) return masterKeyFromBytes(bytes);
  }
  return undefined;
}

export function newMasterKeyText(): string {
  return randomBytes(MASTER_KEY_BYTES).toString('base64');
}
