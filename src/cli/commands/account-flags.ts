import { Option, type Command } from 'commander';
import type { SettingsInput } from '../../modules/accounts/index.js';
import {
  API_VERSIONS,
  MERGE_BY,
  REFERRAL_COMPLETION,
  type Account,
  type AccountKeys,
  type ApiVersion,
  type MergeBy,
  type ReferralCompletion,
} from '../../modules/accounts/index.js';

export interface AccountFlags {
  name?: string;
  mergeBy?: MergeBy;
  defaultCountry?: string;
  referralLinkBase?: string;
  referralCompletion?: ReferralCompletion;
  highSecurity?: boolean;
  minimumApiVersion?: ApiVersion;
  rateLimitWrites?: number;
  rateLimitReads?: number;
  rateLimitBulk?: number;
  mergeCap?: number;
  mergeBlock?: string[];
  mergeUnblock?: string[];
  defaultMergeBlocks?: boolean;
  duplicates?: boolean;
  duplicateThreshold?: number;
  json?: boolean;
}

/** A repeatable flag's values, in the order given. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A number of requests per second as typed; the service checks its range and names the field. */
function perSecond(raw: string): number {
  return /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
}

const rateLimitText = (perSec: number, what: string): string =>
  perSec > 0 ? `${perSec} ${what}/s` : `${what} unlimited`;

/** The settings flags shared by `accounts create` and `accounts update`. */
export function withSettingsFlags(command: Command): Command {
  return command
    .addOption(new Option('--merge-by <mode>', 'channel merging identifier').choices(MERGE_BY))
    .option('--default-country <ISO2>', 'country used to read local mobile numbers, e.g. EG')
    .option('--referral-link-base <url>', 'base URL of referral links')
    .addOption(
      new Option('--referral-completion <when>', 'when a referral becomes Active').choices(REFERRAL_COMPLETION),
    )
    .option('--high-security', 'require the secretKey on every operation')
    .option('--no-high-security', 'require the secretKey only where the API says so')
    .addOption(
      new Option(
        '--minimum-api-version <version>',
        'refuse calls under older API versions (4.1: v4.0 calls answer 403)',
      ).choices(API_VERSIONS),
    )
    .option(
      '--rate-limit-writes <n>',
      'API writes per second for the whole account, across nodes (0: no limit; Gameball publishes 30)',
      perSecond,
    )
    .option(
      '--rate-limit-reads <n>',
      'API reads per second for the whole account, across nodes (0: no limit; Gameball publishes 100)',
      perSecond,
    )
    .option(
      '--rate-limit-bulk <n>',
      'batch and import items per second, a budget apart from the writes (0: no limit)',
      perSecond,
    )
    .option(
      '--merge-cap <n>',
      'most customerIds an implicit merge may gather on one profile (0: no cap; default 10)',
      perSecond,
    )
    .option(
      '--merge-block <value>',
      'a value that is never a merge key: an email, a mobile or a /regex/ (repeatable; adds to the list)',
      collect,
    )
    .option('--merge-unblock <value>', "remove a value from the account's own blocked list (repeatable)", collect)
    .option('--default-merge-blocks', 'apply the built-in list of junk values (test domains, placeholders, 0000000000)')
    .option('--no-default-merge-blocks', 'do not apply the built-in list of junk values')
    .option('--duplicates', 'queue changed profiles for the possible-duplicates worker (the default)')
    .option('--no-duplicates', 'do not look for possible duplicates of this account')
    .option(
      '--duplicate-threshold <score>',
      'score (0–1) from which a pair of profiles is suggested as a possible duplicate (default 0.8)',
      (raw: string) => (/^\s*\d*\.?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN),
    )
    .option('--json', 'print one JSON object and nothing else');
}

/** The settings the flags change; `current`: the account updated (its blocked list is added to or taken from). */
export function settingsFrom(flags: AccountFlags, current?: Account): SettingsInput {
  const listed = flags.mergeBlock !== undefined || flags.mergeUnblock !== undefined;
  const unblocked = new Set((flags.mergeUnblock ?? []).map((v) => v.trim()));
  const mergeBlocks = [...(current?.mergeBlocks ?? []), ...(flags.mergeBlock ?? [])].filter(
    (v) => !unblocked.has(v.trim()),
  );
  return {
    ...(listed && { mergeBlocks }),
    ...(flags.mergeCap !== undefined && { mergeCap: flags.mergeCap }),
    ...(flags.defaultMergeBlocks !== undefined && { defaultMergeBlocks: flags.defaultMergeBlocks }),
    ...(flags.duplicates !== undefined && { duplicateDetection: flags.duplicates }),
    ...(flags.duplicateThreshold !== undefined && { duplicateThreshold: flags.duplicateThreshold }),
    ...(flags.mergeBy !== undefined && { mergeBy: flags.mergeBy }),
    ...(flags.defaultCountry !== undefined && {
      defaultCountry: flags.defaultCountry === '' ? null : flags.defaultCountry,
    }),
    ...(flags.referralLinkBase !== undefined && {
      referralLinkBase: flags.referralLinkBase === '' ? null : flags.referralLinkBase,
    }),
    ...(flags.referralCompletion !== undefined && { referralCompletion: flags.referralCompletion }),
    ...(flags.highSecurity !== undefined && { highSecurity: flags.highSecurity }),
    ...(flags.minimumApiVersion !== undefined && { minimumApiVersion: flags.minimumApiVersion }),
    ...(flags.rateLimitWrites !== undefined && { rateLimitWrites: flags.rateLimitWrites }),
    ...(flags.rateLimitReads !== undefined && { rateLimitReads: flags.rateLimitReads }),
    ...(flags.rateLimitBulk !== undefined && { rateLimitBulk: flags.rateLimitBulk }),
  };
}

/** `sessionTokens`: whether this Patron can verify the account's session tokens, and if not why. */
export function describeAccount(account: Account, keys?: AccountKeys, sessionTokens?: string): string {
  const lines = [
    `id: ${account.id}`,
    `name: ${account.name}`,
    `mergeBy: ${account.mergeBy}`,
    `defaultCountry: ${account.defaultCountry ?? '-'}`,
    `referralLinkBase: ${account.referralLinkBase ?? '-'}`,
    `referralCompletion: ${account.referralCompletion}`,
    `highSecurity: ${account.highSecurity}`,
    `minimumApiVersion: ${account.minimumApiVersion}`,
    `rateLimits: ${rateLimitText(account.rateLimitWrites, 'writes')}, ${rateLimitText(account.rateLimitReads, 'reads')}, ${rateLimitText(account.rateLimitBulk, 'batch items')}`,
    `mergeCap: ${account.mergeCap === 0 ? 'none' : account.mergeCap}`,
    `defaultMergeBlocks: ${account.defaultMergeBlocks ? 'on' : 'off'}`,
    `mergeBlocks: ${account.mergeBlocks.length === 0 ? '-' : account.mergeBlocks.join(', ')}`,
    `duplicates: ${account.duplicateDetection ? `on, threshold ${account.duplicateThreshold}` : 'off'}`,
    ...(sessionTokens === undefined ? [] : [`sessionTokens: ${sessionTokens}`]),
    `createdAt: ${account.createdAt}`,
  ];
  if (keys)
    lines.push(
      `apiKey: ${keys.apiKey}`,
      `secretKey: ${keys.secretKey}`,
      'Keep these keys now: Patron stores only their hashes and cannot show them again.',
    );
  return lines.join('\n');
}
