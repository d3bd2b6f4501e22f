import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { AppError } from '../../errors.js';
import { findAccountRecord } from '../../modules/accounts/index.js';
import type { CommandContext } from '../program.js';

export function addCustomerCommands(program: Command, { say, withStore }: CommandContext): void {
  program
    .command('customers')
    .description('customers, from the operator side')
    .command('export')
    .description(
      'write everything Patron holds about a customer (profile, ids, devices, tags, referrals, history, webhook events) to a JSON file',
    )
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--customer-id <id>', 'any customerId of the profile')
    .option(
      '--out <file>',
      'where to write it (default: customer-<gameballId>-export.json); created readable by its owner only',
    )
    .action(async (flags: { account: string; customerId: string; out?: string }) => {
      const { exportCustomer } = await import('../../modules/customers/customer-export.service.js');
      const document = await withStore(async (store) => {
        const account = await findAccountRecord(store, flags.account);
        if (!account) throw new AppError('notFound', `No account with id "${flags.account}".`);
        return exportCustomer(store, account, flags.customerId.trim());
      });
      const file = flags.out ?? `customer-${document.gameballId}-export.json`;
      writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
      say(
        `Wrote ${file}: gameballId ${document.gameballId}, ${document.customerIds.length} customerIds, ${document.history.length} history entries, ${document.webhookEvents.length} webhook events.`,
      );
    });
}
