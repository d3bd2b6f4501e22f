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
import { findMergeCollisions } from '../../modules/customers/index.js';
import type { CommandContext } from '../program.js';
import { describeAccount, settingsFrom, withSettingsFlags, type AccountFlags } from './account-flags.js';

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
    .description('list profiles whose identifiers would collide if the account merged by --merge-by (changes nothing)')
    .requiredOption('--account <id>', 'account id')
    .addOption(new Option('--merge-by <mode>', 'the merging to check').choices(MERGE_BY).makeOptionMandatory())
    .option('--json', 'print one JSON object {mergeBy, collisions}')
    .action(async (flags: { account: string; mergeBy: string; json?: boolean }) => {
      const collisions = await withStore((store) => findMergeCollisions(store, flags.account, flags.mergeBy));
      if (collisions.length > 0) io.exitCode = 3;
      if (flags.json) return say(JSON.stringify({ mergeBy: flags.mergeBy, collisions }));
      if (collisions.length === 0) return say(`No two profiles share an identifier for --merge-by ${flags.mergeBy}.`);
      say(
        `${collisions.length} group${collisions.length === 1 ? '' : 's'} of profiles share an identifier (these would not merge: each is refused with 3008 until fixed):`,
      );
      for (const c of collisions) {
        say(
          `${c.kind} ${c.key}: ${c.profiles.map((p) => `gameballId ${p.gameballId} (customerIds ${p.customerIds.join(', ')})`).join(', ')}`,
        );
      }
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
