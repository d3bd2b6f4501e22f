import type { Command } from 'commander';
import { mintSessionToken } from '../../modules/accounts/index.js';
import type { CommandContext } from '../program.js';

export function addTokenCommands(program: Command, { say, withStore }: CommandContext): void {
  program
    .command('tokens')
    .description('session tokens (X-GB-TOKEN) for API v4.1')
    .command('create')
    .description("make a session token exactly as a merchant's backend would, to try the mobile SDK path locally")
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--customer-id <id>', 'the customer the token acts for')
    .option('--ttl <duration>', 'lifetime: seconds, or a number with s, m, h or d', '2h')
    .option('--email <email>', 'customerEmail claim')
    .option('--mobile <mobile>', 'customerMobile claim')
    .option('--json', 'print one JSON object {token, customerId, expiresAt}')
    .action(
      async (flags: {
        account: string;
        customerId: string;
        ttl: string;
        email?: string;
        mobile?: string;
        json?: boolean;
      }) => {
        const claims = {
          customerId: flags.customerId,
          ...(flags.email !== undefined && { customerEmail: flags.email }),
          ...(flags.mobile !== undefined && { customerMobile: flags.mobile }),
        };
        const made = await withStore((store) => mintSessionToken(store, flags.account, claims, flags.ttl));
        say(
          flags.json
            ? JSON.stringify({ token: made.token, customerId: claims.customerId, expiresAt: made.expiresAt })
            : made.token,
        );
      },
    );
}
