import { Option, type Command } from 'commander';
import { httpOrigin } from '../../config.js';
import type { CommandContext } from '../program.js';

export function addConsoleCommands(program: Command, { say, config, withStore }: CommandContext): void {
  const consoleCommand = program
    .command('console')
    .description('the web console for the people who look after customers');

  consoleCommand
    .command('link')
    .description('print a one-time sign-in link to the console (the link is used up when opened)')
    .requiredOption('--account <id>', 'account the session may see (one only)')
    .addOption(
      new Option('--role <role>', 'viewer: look only; editor: change too')
        .choices(['viewer', 'editor'])
        .default('viewer'),
    )
    .option('--ttl <duration>', 'how long the link stays usable, 1m to 1d (the session then lasts 8 h)', '15m')
    .option('--base-url <url>', 'where users reach Patron (default: http://HOST:PORT)')
    .action(async (flags: { account: string; role: string; ttl: string; baseUrl?: string }) => {
      const settings = config();
      const { createSignInToken } = await import('../../modules/accounts/console-access.service.js');
      const { token, expiresAt } = await withStore((store) =>
        createSignInToken(store, flags.account, flags.role, flags.ttl),
      );
      const host = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host;
      const base = (flags.baseUrl ?? httpOrigin(host, settings.port)).replace(/\/+$/, '');
      say(`${base}/console/sign-in?token=${token}`);
      say(`One use, ${flags.role}, until ${expiresAt}.`);
    });
}
