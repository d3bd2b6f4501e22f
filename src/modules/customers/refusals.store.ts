import type { Selectable } from 'kysely';
import type { IdentityRefusalsTable } from '../../db/database.js';
import type { SqlRunner } from '../../db/sql-runner.js';
import type { RefusalRecord } from '../identity/index.js';

/** The newest refusals kept per profile: enough to explain, bounded against a caller repeating one. */
const KEPT = 20;

/** A refusal as recorded: identity's RefusalRecord. */
export type Refusal = RefusalRecord;

/** Records a 3008 refusal (docs/identity.md "Explanations"), keeping the newest KEPT of the profile. */
export async function recordRefusal(sql: SqlRunner, accountId: string, refusal: Refusal): Promise<void> {
  await sql.run(
    'insert into identity_refusals (account_id, gameball_id, other_gameball_id, customer_id, kind, value, request_id, at) values (?, ?, ?, ?, ?, ?, ?, ?)',
    [
      accountId,
      refusal.gameballId,
      refusal.otherGameballId,
      refusal.customerId,
      refusal.kind,
      refusal.value,
      refusal.requestId,
      refusal.at,
    ],
  );
  await sql.run(
    `delete from identity_refusals where gameball_id = ? and id not in (select id from identity_refusals where gameball_id = ? order by id desc limit ${KEPT})`,
    [refusal.gameballId, refusal.gameballId],
  );
}

/** The refusals that name a profile, on either side, oldest first (inside a read: prepared SQL, not Kysely). */
export async function refusalsOf(sql: SqlRunner, accountId: string, gameballId: number): Promise<Refusal[]> {
  const rows = await sql.all<Omit<Selectable<IdentityRefusalsTable>, 'id' | 'account_id'>>(
    'select gameball_id, other_gameball_id, customer_id, kind, value, request_id, at from identity_refusals ' +
      'where account_id = ? and gameball_id = ? union all select gameball_id, other_gameball_id, customer_id, kind, value, request_id, at ' +
      'from identity_refusals where account_id = ? and other_gameball_id = ? order by at',
    [accountId, gameballId, accountId, gameballId],
  );
  return rows.map((row) => ({
    gameballId: Number(row.gameball_id),
    otherGameballId: row.other_gameball_id === null ? null : Number(row.other_gameball_id),
    customerId: row.customer_id,
    kind: row.kind,
    value: row.value,
    requestId: row.request_id,
    at: row.at,
  }));
}
