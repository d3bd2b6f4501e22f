import { Option, type Command } from 'commander';
import {
  addSubscription,
  getDeliveries,
  getSubscriptions,
  removeSubscription,
  replayDelivery,
} from '../../modules/webhooks/index.js';
import { DEFAULT_SIGNATURE_SCHEME, SIGNATURE_SCHEMES } from '../../modules/webhooks/index.js';
import { TOPICS } from '../../modules/webhooks/index.js';
import type { CommandContext } from '../program.js';

export function addWebhookCommands(program: Command, { say, config, withStore }: CommandContext): void {
  const webhooks = program.command('webhooks').description('webhook subscriptions and deliveries');

  webhooks
    .command('add')
    .description('subscribe a URL to topics; prints the signing secret once')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--url <url>', 'receiver URL (http or https)')
    .requiredOption('--topics <t1,t2>', `comma-separated: ${TOPICS.join(', ')}`)
    .addOption(
      new Option(
        '--signature <scheme>',
        "how deliveries are signed: Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature); or X-GB-Signature, Patron's older HMAC-SHA256 of the body alone (replayable) or Gameball's v4 SHA-1 for receivers written for it",
      )
        .choices(SIGNATURE_SCHEMES)
        .default(DEFAULT_SIGNATURE_SCHEME),
    )
    .option(
      '--secret <value>',
      'the secret your receiver already verifies with (default: a new random one); for standard-webhooks, whsec_ + standard base64 of 24 to 64 bytes',
    )
    .option('--json', 'print one JSON object {id, url, topics, signature, secret}')
    .action(
      async (flags: {
        account: string;
        url: string;
        topics: string;
        signature: string;
        secret?: string;
        json?: boolean;
      }) => {
        const { webhookAllowPrivate } = config();
        const added = await withStore((store) =>
          addSubscription(store, flags.account, flags.url, flags.topics.split(','), {
            signature: flags.signature,
            allowPrivate: webhookAllowPrivate,
            ...(flags.secret !== undefined && { secret: flags.secret }),
          }),
        );
        if (flags.json)
          return say(
            JSON.stringify({
              id: added.id,
              url: added.url,
              topics: added.topics,
              signature: added.signature,
              secret: added.secret,
            }),
          );
        const verify = {
          'standard-webhooks':
            'Verify webhook-signature as Standard Webhooks do (any standardwebhooks library, with this secret), and refuse old webhook-timestamps',
          'hmac-sha256': 'Verify X-GB-Signature (hex HMAC-SHA256 of the raw body under this secret)',
          'gameball-v4': 'Verify X-GB-Signature (hex SHA-1 of the raw body + ":" + this secret)',
        }[added.signature];
        say(
          `id: ${added.id}\nurl: ${added.url}\ntopics: ${added.topics.join(', ')}\nsignature: ${added.signature}\nsecret: ${added.secret}\n${verify}; the secret is shown once.`,
        );
      },
    );

  webhooks
    .command('list')
    .description("list an account's subscriptions (never their secrets)")
    .requiredOption('--account <id>', 'account id')
    .option('--json', 'print a JSON array')
    .action(async (flags: { account: string; json?: boolean }) => {
      const all = await withStore((store) => getSubscriptions(store, flags.account));
      if (flags.json) return say(JSON.stringify(all));
      if (all.length === 0) return say('No subscriptions.');
      for (const s of all) say([s.id, s.url, s.topics.join(',')].join('\t'));
    });

  webhooks
    .command('remove <id>')
    .description('remove a subscription and its queued deliveries')
    .action(async (id: string) => {
      await withStore((store) => removeSubscription(store, id));
      say(`Removed ${id}.`);
    });

  webhooks
    .command('deliveries')
    .description('recent deliveries of an account, newest first')
    .requiredOption('--account <id>', 'account id')
    .option('--dead', 'only deliveries that ran out of retries')
    .option('--limit <n>', 'how many', '100')
    .option('--json', 'print a JSON array')
    .action(async (flags: { account: string; dead?: boolean; limit: string; json?: boolean }) => {
      const rows = await withStore((store) =>
        getDeliveries(store, flags.account, flags.dead === true, Number(flags.limit)),
      );
      if (flags.json) return say(JSON.stringify(rows));
      if (rows.length === 0) return say('No deliveries.');
      say(['id', 'topic', 'status', 'attempts', 'lastStatus', 'lastError', 'nextAttemptAt', 'eventId'].join('\t'));
      for (const r of rows)
        say(
          [
            r.id,
            r.topic,
            r.status,
            r.attempts,
            r.lastStatus ?? '-',
            r.lastError ?? '-',
            r.nextAttemptAt,
            r.eventId,
          ].join('\t'),
        );
    });

  webhooks
    .command('replay <deliveryId>')
    .description('send a delivery again (a running patron serve picks it up at once)')
    .action(async (deliveryId: string) => {
      await withStore((store) => replayDelivery(store, Number(deliveryId)));
      say(`Delivery ${deliveryId} is queued again.`);
    });
}
