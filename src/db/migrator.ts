import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Store } from './connect.js';
import type { Dialect } from './dialect.js';
import { initial } from './migrations/2026-11-26T07-00-initial.js';
import { tagsAndRetiredCodes } from './migrations/2026-11-26T08-00-tags-and-retired-codes.js';
import { webhooks } from './migrations/2026-11-26T09-00-webhooks.js';
import { batches } from './migrations/2026-11-26T10-00-batches.js';
import { accountWebhookFlag } from './migrations/2026-11-26T11-00-account-webhook-flag.js';
import { sessionTokens } from './migrations/2026-11-26T12-00-session-tokens.js';
import { profileHistory } from './migrations/2026-11-26T13-00-profile-history.js';
import { profileSplits } from './migrations/2026-11-26T14-00-profile-splits.js';
import { idempotencyKeys } from './migrations/2026-11-26T15-00-idempotency-keys.js';
import { rateLimits } from './migrations/2026-11-26T16-00-rate-limits.js';
import { consoleSessions } from './migrations/2026-11-26T17-00-console.js';
import { searchIndexes } from './migrations/2026-11-26T18-00-search-indexes.js';
import { mergeProtection } from './migrations/2026-12-03T09-00-merge-protection.js';
import { identityRefusals } from './migrations/2026-12-03T10-00-identity-refusals.js';
import { retiredProfiles } from './migrations/2026-12-03T11-00-retired-profiles.js';
import { possibleDuplicates } from './migrations/2026-12-03T12-00-possible-duplicates.js';
import { accountColumns } from './migrations/2026-12-03T13-00-account-columns.js';
import { accountKeys } from './migrations/2026-12-03T14-00-account-keys.js';
import { customerIdsByProfile } from './migrations/2026-12-03T15-00-customer-ids-by-profile.js';

/** Ordered by name; never edit one that has landed on main — add a new one. */
const migrations: Record<string, (dialect: Dialect) => Migration> = {
  '2026-11-26T07-00-initial': initial,
  '2026-11-26T08-00-tags-and-retired-codes': tagsAndRetiredCodes,
  '2026-11-26T09-00-webhooks': webhooks,
  '2026-11-26T10-00-batches': batches,
  '2026-11-26T11-00-account-webhook-flag': accountWebhookFlag,
  '2026-11-26T12-00-session-tokens': sessionTokens,
  '2026-11-26T13-00-profile-history': profileHistory,
  '2026-11-26T14-00-profile-splits': profileSplits,
  '2026-11-26T15-00-idempotency-keys': idempotencyKeys,
  '2026-11-26T16-00-rate-limits': rateLimits,
  '2026-11-26T17-00-console': consoleSessions,
  '2026-11-26T18-00-search-indexes': searchIndexes,
  '2026-12-03T09-00-merge-protection': mergeProtection,
  '2026-12-03T10-00-identity-refusals': identityRefusals,
  '2026-12-03T11-00-retired-profiles': retiredProfiles,
  '2026-12-03T12-00-possible-duplicates': possibleDuplicates,
  '2026-12-03T13-00-account-columns': accountColumns,
  '2026-12-03T14-00-account-keys': accountKeys,
  '2026-12-03T15-00-customer-ids-by-profile': customerIdsByProfile,
};

export const MIGRATION_NAMES = Object.keys(migrations);

class InCodeProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(migrations).map(([name, make]) => [name, make(this.dialect)]));
  }
}

/**
 * Brings the schema up to date. Kysely takes a database lock while migrating (an advisory
 * lock on PostgreSQL), so several nodes starting at once run each migration exactly once.
 */
export async function migrateToLatest(store: Store): Promise<string[]> {
  const migrator = new Migrator({ db: store.db, provider: new InCodeProvider(store.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
