import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../db/connect.js';
import { AppError } from '../errors.js';
import { dismissDuplicate, listDuplicates, mergeDuplicate } from '../modules/duplicates/index.js';
import { DUPLICATES_PAGE_SIZE, DUPLICATES_URL, duplicatesPage } from './console-duplicates.views.js';
import { origin, send, type Form, type SignedIn } from './console-replies.js';

/** The console's guard (console.routes.ts): the signed-in session, or an answer already sent (401, 403). */
export type ConsoleGuard = (
  request: FastifyRequest,
  reply: FastifyReply,
  changes: boolean,
) => Promise<SignedIn | undefined>;

type Action = { Params: { id: string }; Body: Form };

/** A page cursor as typed in a URL or a form: anything but a whole number is the first page. */
const cursor = (value: unknown): number => (/^\d{1,15}$/.test(String(value ?? '')) ? Number(value) : 0);

/**
 * The console's "Possible duplicates" queue (docs/duplicates.md, docs/console.md): registered inside
 * the console's plugin (its cookie and form parsers) with its guard, so the same sign-in, form token
 * and viewer rules hold. Merge and dismiss go through the duplicates module's services, the API's;
 * the session is named in `decidedBy` and the histories as every console change is.
 */
export function registerConsoleDuplicates(scope: FastifyInstance, store: Store, guard: ConsoleGuard): void {
  const hide = { schema: { hide: true } };

  async function showQueue(
    reply: FastifyReply,
    { session, account }: SignedIn,
    startAfter: number,
    said: { notice?: string; error?: string } = {},
    status = 200,
  ) {
    const found = await listDuplicates(store, account, { status: 'open', startAfter, limit: DUPLICATES_PAGE_SIZE });
    return send(reply, status, duplicatesPage(session, { ...found, startAfter, ...said }));
  }

  scope.get<{ Querystring: { startAfter?: string } }>(DUPLICATES_URL, hide, async (request, reply) => {
    const signedIn = await guard(request, reply, false);
    if (!signedIn) return reply;
    return showQueue(reply, signedIn, cursor(request.query.startAfter));
  });

  /** An editor's decision on one suggestion: run it, then the same page of the queue with what happened. */
  function decision(path: string, run: (signedIn: SignedIn, id: number, form: Form) => Promise<string>) {
    scope.post<Action>(`${DUPLICATES_URL}/:id/${path}`, hide, async (request, reply) => {
      const signedIn = await guard(request, reply, true);
      if (!signedIn) return reply;
      const form = request.body ?? {};
      const startAfter = cursor(form.startAfter);
      try {
        const id = cursor(request.params.id);
        if (id === 0)
          throw new AppError('notFound', `No possible duplicate with id ${request.params.id} in this account.`);
        return await showQueue(reply, signedIn, startAfter, { notice: await run(signedIn, id, form) });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return showQueue(reply, signedIn, startAfter, { error: error.message }, error.status);
      }
    });
  }

  decision('merge', async ({ session, account }, id, form) => {
    if (form.confirm !== 'yes')
      throw new AppError(
        'invalidValue',
        `Tick the box to confirm the merge of possible duplicate #${id}: nothing was merged.`,
      );
    const by = origin(session);
    const merged = await mergeDuplicate(store, account, id, by, by);
    return `Merged: possible duplicate #${id} — ${merged.customerIds.join(', ')} are now one profile (gameballId ${merged.gameballId}).`;
  });

  decision('dismiss', async ({ session, account }, id) => {
    const by = origin(session);
    const dismissed = await dismissDuplicate(store, account, id, by, by);
    const sides = dismissed.profiles.map((p) => p.customerIds.join(', ') || `gameballId ${p.gameballId}`);
    return `Dismissed: possible duplicate #${id} — ${sides.join(' and ')} are not the same person.`;
  });
}
