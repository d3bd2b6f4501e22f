import { randomInt } from 'node:crypto';

/** Upper-case letters and digits without the look-alikes 0/O and 1/I. */
export const REFERRAL_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const REFERRAL_CODE_LENGTH = 8;

/** 8 symbols of 32 = 40 random bits: collisions are rare and retried. */
export function generateReferralCode(): string {
  let code = '';
  for (let i = 0; i < REFERRAL_CODE_LENGTH; i++) code += REFERRAL_ALPHABET[randomInt(REFERRAL_ALPHABET.length)];
  return code;
}

export function referralLink(base: string | null, code: string | null): string | undefined {
  if (!base || !code) return undefined;
  const url = new URL(base);
  url.searchParams.set('referralCode', code);
  return url.toString();
}
