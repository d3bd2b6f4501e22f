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
import { previewMergeSettings } from '../../modules/customers/index.js';
import type { CommandContext } from '../program.js';
import { collect, describeAccount, settingsFrom, withSettingsFlags, type AccountFlags } from './account-flags.js';

export function addAccountCommands(program: Command, { io, say, withStore }: CommandContext): void {
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
    .action(async (id: string, flags: AccountFlags) => {
      const account = await withStore(async (store) => {
        const current = await getAccount(store, id);
        return changeAccount(store, id, {
          ...settingsFrom(flags, current),
          ...(flags.name !== undefined && { name: flags.name }),
        });
      });
      say(flags.json ? JSON.stringify(account) : describeAccount(account));
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
