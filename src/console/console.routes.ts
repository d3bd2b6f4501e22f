import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../db/connect.js';
import { AppError } from '../errors.js';
import { findAccountRecord, SESSION_TTL_MS, sessionOf, signIn, signOut } from '../modules/accounts/index.js';
import { findAccountJob, getBatchStatus, recentJobs } from '../modules/batches/index.js';
import {
  compareCustomers,
  deleteCustomer,
  explainCustomer,
  exportCustomer,
  mergeCustomers,
  getCustomer,
  searchCustomers,
  setCustomerActive,
  unmergeCustomer,
  upsertCustomer,
} from '../modules/customers/index.js';
import { fieldValue } from '../modules/profiles/index.js';
import { attachTags, removeTags } from '../modules/tags/index.js';
import { getDeliveries, getSubscriptions, replayDelivery } from '../modules/webhooks/index.js';
import {
  CONSOLE_CSS,
  customerPage,
  EDITABLE,
  page,
  searchPage,
  signedOutPage,
  type CustomerPageState,
} from './console.views.js';
import { batchesPage, batchPage, PROGRESS_JS, webhooksPage } from './console-operations.views.js';
import { registerConsoleDuplicates } from './console-duplicates.routes.js';
import { html } from './html.js';
import type { Comparison } from './console-identity.views.js';
import { editedRequest, origin, send, type Form, type SignedIn, type WithCustomer } from './console-replies.js';

const COOKIE = 'patron_console';

/**
 * The console (docs/console.md): server-rendered pages and plain forms on the same rules as the
 * API — every change goes through the services the API uses. Its cookie and form parsers are
 * registered inside this plugin only, so the API keeps taking JSON alone.
 */
export async function registerConsole(app: FastifyInstance, store: Store): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(fastifyCookie);
    await scope.register(fastifyFormbody, { bodyLimit: 16 * 1024 });
    const hide = { schema: { hide: true } };

    scope.get('/console/assets/console.css', hide, async (_request, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=300').send(CONSOLE_CSS),
    );

    scope.get<{ Querystring: { token?: string } }>('/console/sign-in', hide, async (request, reply) => {
      try {
        const { sessionId } = await signIn(store, String(request.query.token ?? ''));
        reply.setCookie(COOKIE, sessionId, {
          httpOnly: true,
          sameSite: 'strict',
          secure: request.protocol === 'https',
          path: '/console',
          maxAge: SESSION_TTL_MS / 1000,
        });
        return reply.redirect('/console', 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return send(reply, 401, signedOutPage(error.message));
      }
    });

    /** The session of the request, or an answer that ends it: signed out (401), a bad form token or a viewer's change (403). */
    async function guard(
      request: FastifyRequest,
      reply: FastifyReply,
      changes: boolean,
    ): Promise<SignedIn | undefined> {
      const session = await sessionOf(store, request.cookies[COOKIE]);
      if (!session) {
        send(reply, 401, signedOutPage('You are not signed in, or your session has ended.'));
        return undefined;
      }
      if (changes) {
        const form = (request.body ?? {}) as Form;
        if (form.csrf !== session.csrfToken) {
          send(
            reply,
            403,
            page(
              'Not allowed',
              session,
              html`<p class="error" role="alert">This form is out of date or did not come from this console. Go back, reload the page and try again.</p>`,
            ),
          );
          return undefined;
        }
        if (session.role !== 'editor' && request.url !== '/console/sign-out') {
          send(
            reply,
            403,
            page(
              'Not allowed',
              session,
              html`<p class="error" role="alert">You are signed in as a viewer: you can look, not change.</p>`,
            ),
          );
          return undefined;
        }
      }
      const account = await findAccountRecord(store, session.accountId);
      if (!account) {
        send(reply, 401, signedOutPage('The account of this session no longer exists.'));
        return undefined;
      }
      return { session, account };
    }
    registerConsoleDuplicates(scope, store, guard);

    scope.post('/console/sign-out', hide, async (request, reply) => {
      const signedIn = await guard(request, reply, true);
      if (!signedIn) return reply;
      await signOut(store, request.cookies[COOKIE]!);
      reply.clearCookie(COOKIE, { path: '/console' });
      return send(reply, 200, signedOutPage('You are signed out.'));
    });

    scope.get<{ Querystring: { q?: string; offset?: string } }>('/console', hide, async (request, reply) => {
      const signedIn = await guard(request, reply, false);
      if (!signedIn) return reply;
      const query = String(request.query.q ?? '');
      // Any other offset (missing, not a number) is the first page; searchCustomers keeps it within the matches.
      const offset = /^\d{1,9}$/.test(String(request.query.offset ?? '')) ? Number(request.query.offset) : 0;
      const results = query.trim() === '' ? undefined : await searchCustomers(store, signedIn.account, query, offset);
      return send(reply, 200, searchPage(signedIn.session, query, results));
    });

    async function showCustomer(
      reply: FastifyReply,
      signedIn: SignedIn,
      customerId: string,
      state: CustomerPageState = {},
      status = 200,
    ) {
      try {
        const data = await exportCustomer(store, signedIn.account, customerId);
        const identity = await explainCustomer(store, signedIn.account, customerId);
        return send(reply, status, customerPage(signedIn.session, customerId, data, { ...state, identity }));
      } catch (error) {
        if (error instanceof AppError && error.code === 7000)
          return send(
            reply,
            404,
            page(
              'Not found',
              signedIn.session,
              html`<p>${state.notice ?? error.message}</p><p><a href="/console">Find a customer</a></p>`,
            ),
          );
        throw error;
      }
    }

    scope.get<WithCustomer & { Querystring: { compare?: string } }>(
      '/console/customers/:customerId',
      hide,
      async (request, reply) => {
        const signedIn = await guard(request, reply, false);
        if (!signedIn) return reply;
        const other = String(request.query.compare ?? '').trim();
        return showCustomer(reply, signedIn, request.params.customerId, {
          ...(other !== '' && { comparison: await comparison(signedIn, request.params.customerId, other) }),
        });
      },
    );

    /** The "Compare with…" form's answer; an unknown customerId is said beside the form. */
    async function comparison(signedIn: SignedIn, customerId: string, other: string): Promise<Comparison> {
      try {
        return { with: other, ...(await compareCustomers(store, signedIn.account, customerId, other)) };
      } catch (error) {
        if (error instanceof AppError && error.code === 7000) return { with: other, problem: error.message };
        throw error;
      }
    }

    /** A change: run it, then show the customer with what happened (a refusal beside its field). */
    function change(
      path: string,
      run: (
        signedIn: SignedIn,
        customerId: string,
        form: Form,
        params: WithCustomer['Params'],
      ) => Promise<{ notice: string; goTo?: string }>,
    ) {
      scope.post<WithCustomer>(`/console/customers/:customerId/${path}`, hide, async (request, reply) => {
        const signedIn = await guard(request, reply, true);
        if (!signedIn) return reply;
        const { customerId } = request.params;
        try {
          const { notice, goTo } = await run(signedIn, customerId, request.body ?? {}, request.params);
          return showCustomer(reply, signedIn, goTo ?? customerId, { notice });
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          const values = Object.fromEntries(EDITABLE.map(({ field }) => [field, String(request.body?.[field] ?? '')]));
          return showCustomer(
            reply,
            signedIn,
            customerId,
            { error: { field: error.field, message: error.message, values } },
            error.status,
          );
        }
      });
    }

    scope.get('/console/assets/progress.js', hide, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=300').send(PROGRESS_JS),
    );

    scope.get('/console/batches', hide, async (request, reply) => {
      const signedIn = await guard(request, reply, false);
      if (!signedIn) return reply;
      return send(reply, 200, batchesPage(signedIn.session, await recentJobs(store, signedIn.account.id, 50)));
    });

    scope.get<{ Params: { jobId: string } }>('/console/batches/:jobId', hide, async (request, reply) => {
      const signedIn = await guard(request, reply, false);
      if (!signedIn) return reply;
      // One read of the job, as the API's status route makes it (it answers notFound for an id of another account or none).
      try {
        const status = await getBatchStatus(store, signedIn.account, request.params.jobId);
        const counts = {
          id: status.jobId,
          status: status.status,
          totalItems: status.totalItems,
          processedItems: status.processedItems,
          failedItems: status.failedItems,
        };
        return send(reply, 200, batchPage(signedIn.session, counts, status));
      } catch (error) {
        if (error instanceof AppError && error.status === 404)
          return send(
            reply,
            404,
            page('Not found', signedIn.session, html`<p>No batch job ${request.params.jobId} in this account.</p>`),
          );
        throw error;
      }
    });

    // Counts only (no items): what the progress script polls.
    scope.get<{ Params: { jobId: string } }>('/console/batches/:jobId/progress', hide, async (request, reply) => {
      const session = await sessionOf(store, request.cookies[COOKIE]);
      const job =
        session && /^\d{1,15}$/.test(request.params.jobId)
          ? await findAccountJob(store, session.accountId, Number(request.params.jobId))
          : undefined;
      if (!job) return reply.code(404).header('cache-control', 'no-store').send({ status: 'unknown' });
      return reply.header('cache-control', 'no-store').send({
        status: job.status,
        totalItems: job.totalItems,
        processedItems: job.processedItems,
        failedItems: job.failedItems,
      });
    });

    async function showWebhooks(reply: FastifyReply, signedIn: SignedIn, notice?: string, status = 200) {
      const [subscriptions, dead] = await Promise.all([
        getSubscriptions(store, signedIn.account.id),
        getDeliveries(store, signedIn.account.id, true, 100),
      ]);
      return send(reply, status, webhooksPage(signedIn.session, subscriptions, dead, notice));
    }

    scope.get('/console/webhooks', hide, async (request, reply) => {
      const signedIn = await guard(request, reply, false);
      return signedIn ? showWebhooks(reply, signedIn) : reply;
    });

    scope.post<{ Params: { deliveryId: string }; Body: Form }>(
      '/console/deliveries/:deliveryId/replay',
      hide,
      async (request, reply) => {
        const signedIn = await guard(request, reply, true);
        if (!signedIn) return reply;
        try {
          await replayDelivery(store, Number(request.params.deliveryId), signedIn.account.id);
        } catch (error) {
          if (error instanceof AppError) return showWebhooks(reply, signedIn, error.message, error.status);
          throw error;
        }
        return showWebhooks(reply, signedIn, `Delivery ${request.params.deliveryId} is queued again.`);
      },
    );

    change('attributes', async ({ session, account }, customerId, form) => {
      const { profile } = await getCustomer(store, account, customerId);
      const currentValues = Object.fromEntries(
        EDITABLE.map(({ field }) => [field, String(fieldValue(profile, field) ?? '')]),
      );
      await upsertCustomer(store, account, editedRequest(customerId, form, currentValues), origin(session));
      return { notice: 'Saved.' };
    });
    change('active', async ({ session, account }, customerId, form) => {
      const { isActive } = await setCustomerActive(
        store,
        account,
        customerId,
        form.isActive === 'true',
        origin(session),
      );
      return { notice: isActive ? 'Opted in.' : 'Opted out.' };
    });
    change('tags', async ({ session, account }, customerId, form) => {
      await attachTags(store, account, customerId, [String(form.tag ?? '')], origin(session));
      return { notice: `Tag added.` };
    });
    change('tags/remove', async ({ session, account }, customerId, form) => {
      await removeTags(store, account, customerId, [String(form.tag ?? '')], origin(session));
      return { notice: `Tag removed.` };
    });
    change('unmerge', async ({ session, account }, _customerId, form) => {
      if (form.confirm !== 'yes') throw new AppError('invalidValue', 'Tick the box to confirm the unmerge.');
      const result = await unmergeCustomer(store, account, String(form.customerId ?? ''), origin(session));
      return {
        notice: `Unmerged: ${result.customerId} now has a profile of its own (gameballId ${result.gameballId}).`,
        goTo: result.customerId,
      };
    });
    change('merge', async ({ session, account }, customerId, form) => {
      if (form.confirm !== 'yes') throw new AppError('invalidValue', 'Tick the box to confirm the merge.');
      const other = String(form.customerId ?? '').trim();
      const result = await mergeCustomers(store, account, customerId, other, { requestId: origin(session) });
      return { notice: `Merged: ${other} is now on this profile (gameballId ${result.gameballId}).` };
    });
    change('delete', async ({ session, account }, customerId, form) => {
      if (form.confirm !== 'yes') throw new AppError('invalidValue', 'Tick the box to confirm the delete.');
      await deleteCustomer(store, account, customerId, origin(session));
      return { notice: `Customer ${customerId} was deleted.` };
    });
    change('deliveries/:deliveryId/replay', async ({ account }, _customerId, _form, params) => {
      await replayDelivery(store, Number(params.deliveryId), account.id);
      return { notice: `Delivery ${params.deliveryId} is queued again.` };
    });
  });
}
