import { Option, type Command } from 'commander';
import {
  changeAccount,
  createAccount,
  getAccount,
  getAccounts,
  rotateAccountKeys,
  sessionTokenStatus,
} from '../../modules/accounts/index.js';
import { MERGE_BY } from '../../modules/accounts/index.js';
import { indexMergeKeys, previewMergeSettings, type IndexResult } from '../../modules/customers/index.js';
import { Presets, SingleBar } from 'cli-progress';
import type { Store } from '../../db/connect.js';
import type { CommandContext } from '../program.js';
import { collect, describeAccount, settingsFrom, withSettingsFlags, type AccountFlags } from './account-flags.js';

export function addAccountCommands(program: Command, { io, say, withStore }: CommandContext): void {
  /** Indexes an account's stored identifiers with a progress bar on stderr. */
  const indexWithProgress = async (store: Store, accountId: string): Promise<IndexResult> => {
    const bar = new SingleBar(
      {
        format: 'indexing [{bar}] {percentage}% | {value}/{total} identifiers',
        stream: io.errStream,
        noTTYOutput: true,
        notTTYSchedule: 5000,
      },
      Presets.shades_classic,
    );
    let started = false;
    try {
      return await indexMergeKeys(store, accountId, (done, total) => {
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      });
    } finally {
      if (started) bar.stop();
    }
  };

  const accounts = program.command('accounts').description('manage merchant accounts and their keys');

  withSettingsFlags(accounts.command('create').description('create an account and print its keys (shown once)'))
    .requiredOption('--name <name>', 'account name')
    .action(async (flags: AccountFlags & { name: string }) => {
      const { account, keys, sessionTokens } = await withStore(async (store) => {
        const created = await createAccount(store, flags.name, settingsFrom(flags));
        return { ...created, sessionTokens: await sessionTokenStatus(store, created.account.id) };
      });
      say(
        flags.json
          ? JSON.stringify({ ...account, ...keys, sessionTokens })
          : describeAccount(account, keys, sessionTokens),
      );
    });

  accounts
    .command('list')
    .description('list accounts')
    .option('--json', 'print a JSON array')
    .action(async (flags: { json?: boolean }) => {
      const all = await withStore((store) => getAccounts(store));
      if (flags.json) return say(JSON.stringify(all));
      if (all.length === 0) return say('No accounts yet. Create one with: patron accounts create --name <name>');
      say(['id', 'name', 'mergeBy', 'referralCompletion', 'highSecurity'].join('\t'));
      for (const a of all) say([a.id, a.name, a.mergeBy, a.referralCompletion, a.highSecurity].join('\t'));
    });

  accounts
    .command('show <id>')
    .description('show one account (never its keys)')
    .option('--json', 'print one JSON object')
    .action(async (id: string, flags: { json?: boolean }) => {
      const { account, sessionTokens } = await withStore(async (store) => ({
        account: await getAccount(store, id),
        sessionTokens: await sessionTokenStatus(store, id),
      }));
      say(
        flags.json ? JSON.stringify({ ...account, sessionTokens }) : describeAccount(account, undefined, sessionTokens),
      );
    });

  withSettingsFlags(accounts.command('update <id>').description("change an account's name or settings"))
    .option('--name <name>', 'new account name')
    .option('--index-existing', "then make existing profiles' stored identifiers merge keys under the new settings")
    .action(async (id: string, flags: AccountFlags & { indexExisting?: boolean }) => {
      const { account, indexing } = await withStore(async (store) => {
        const current = await getAccount(store, id);
        const changed = await changeAccount(store, id, {
          ...settingsFrom(flags, current),
          ...(flags.name !== undefined && { name: flags.name }),
        });
        return { account: changed, indexing: flags.indexExisting ? await indexWithProgress(store, id) : undefined };
      });
      if (flags.json) return say(JSON.stringify(indexing ? { ...account, indexing } : account));
      say(describeAccount(account));
      if (indexing) say(describeIndexing(indexing));
    });

  accounts
    .command('check-merge')
    .description(
      'preview merge settings on the stored profiles: shared identifiers, keys they would block, profiles past the cap (changes nothing)',
    )
    .requiredOption('--account <id>', 'account id')
    .addOption(new Option('--merge-by <mode>', "the merging to check (default: the account's)").choices(MERGE_BY))
    .option('--merge-cap <n>', "the cap to check (default: the account's)", (raw: string) =>
      /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN,
    )
    .option('--merge-block <value>', "a value to block, besides the account's list (repeatable)", collect)
    .option('--default-merge-blocks', 'check with the built-in list of junk values')
    .option('--no-default-merge-blocks', 'check without the built-in list of junk values')
    .option('--json', 'print one JSON object {mergeBy, collisions, stoppedKeys, pastCap, unindexed}')
    .action(
      async (flags: {
        account: string;
        mergeBy?: string;
        mergeCap?: number;
        mergeBlock?: string[];
        defaultMergeBlocks?: boolean;
        json?: boolean;
      }) => {
        const preview = await withStore((store) =>
          previewMergeSettings(store, flags.account, {
            ...(flags.mergeBy !== undefined && { mergeBy: flags.mergeBy }),
            ...(flags.mergeCap !== undefined && { mergeCap: flags.mergeCap }),
            ...(flags.mergeBlock !== undefined && { mergeBlocks: flags.mergeBlock }),
            ...(flags.defaultMergeBlocks !== undefined && { defaultMergeBlocks: flags.defaultMergeBlocks }),
          }),
        );
        const { collisions, stoppedKeys, pastCap } = preview;
        if (collisions.length + stoppedKeys.length + pastCap.length > 0) io.exitCode = 3;
        if (flags.json) return say(JSON.stringify(preview));
        if (collisions.length === 0) say(`No two profiles share an identifier for --merge-by ${preview.mergeBy}.`);
        else {
          say(
            `${collisions.length} group${collisions.length === 1 ? '' : 's'} of profiles share an identifier (these would not merge: each is refused with 3008 until fixed):`,
          );
          for (const c of collisions) {
            say(
              `${c.kind} ${c.key}: ${c.profiles.map((p) => `gameballId ${p.gameballId} (customerIds ${p.customerIds.join(', ')})`).join(', ')}`,
            );
          }
        }
        if (stoppedKeys.length > 0) {
          say(
            `${stoppedKeys.length} merge key${stoppedKeys.length === 1 ? '' : 's'} would be blocked (a plain value from the profile's next write carrying it):`,
          );
          for (const k of stoppedKeys) say(`${k.kind} ${k.key}: gameballId ${k.gameballId} (${k.rule})`);
        }
        if (pastCap.length > 0) {
          say(
            `${pastCap.length} profile${pastCap.length === 1 ? ' is' : 's are'} past the cap (no implicit merge adds to them):`,
          );
          for (const p of pastCap) say(`gameballId ${p.gameballId}: ${p.customerIds} customerIds`);
        }
        say(
          `${preview.unindexed} stored identifier${preview.unindexed === 1 ? ' is' : 's are'} not a merge key yet (each becomes one with the next write that carries it, if no other profile holds it).`,
        );
      },
    );

  accounts
    .command('index-merge-keys')
    .description(
      "make existing profiles' stored identifiers merge keys under the account's merge settings (after switching merging on)",
    )
    .requiredOption('--account <id>', 'account id')
    .option('--json', 'print one JSON object {profiles, indexed, collisions, heldElsewhere}')
    .action(async (flags: { account: string; json?: boolean }) => {
      const result = await withStore((store) => indexWithProgress(store, flags.account));
      if (flags.json) return say(JSON.stringify(result));
      say(describeIndexing(result));
    });

  accounts
    .command('rotate-keys <id>')
    .description('issue a new apiKey and secretKey; the old ones stop working within 1 s on every running node')
    .option('--json', 'print one JSON object')
    .action(async (id: string, flags: { json?: boolean }) => {
      const { account, keys, sessionTokens } = await withStore(async (store) => ({
        ...(await rotateAccountKeys(store, id)),
        sessionTokens: await sessionTokenStatus(store, id),
      }));
      say(
        flags.json
          ? JSON.stringify({ ...account, ...keys, sessionTokens })
          : describeAccount(account, keys, sessionTokens),
      );
    });
}

function describeIndexing(result: IndexResult): string {
  const lines = [
    `Indexed ${result.indexed} stored identifier${result.indexed === 1 ? '' : 's'} of ${result.profiles} profiles as merge keys.`,
  ];
  if (result.heldElsewhere > 0)
    lines.push(`${result.heldElsewhere} left as plain values: another profile holds them as its key.`);
  if (result.collisions.length > 0) {
    lines.push(
      `${result.collisions.length} value${result.collisions.length === 1 ? ' is' : 's are'} held by several profiles and left unindexed (each is refused with 3008 until fixed; see check-merge):`,
    );
    for (const c of result.collisions) lines.push(`${c.kind} ${c.key}: gameballIds ${c.gameballIds.join(', ')}`);
  }
  return lines.join('\n');
}
