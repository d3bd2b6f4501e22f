import createClient, { type Client } from 'openapi-fetch';
import { PatronError } from './errors.js';
import { paged } from './pages.js';
import { DEFAULT_RETRY, type RetryOptions, withRetries } from './retry.js';
import type { paths } from './schema.js';

/** A 200 answer's JSON body, as the document declares it. */
type Ok<Operation> = Operation extends { responses: { 200: { content: { 'application/json': infer Body } } } }
  ? Body
  : never;
type Customers = paths['/api/v4.0/integrations/customers'];
type History = paths['/api/v4.0/integrations/customers/{customerId}/history']['get'];
type Referrals = paths['/api/v4.0/integrations/customers/{customerId}/referrals']['get'];
type Duplicates = paths['/api/v4.0/integrations/duplicates']['get'];

export type UpsertCustomer = Customers['post']['requestBody']['content']['application/json'];
export type UpsertedCustomer = Ok<Customers['post']>;
export type Customer = Ok<paths['/api/v4.0/integrations/customers/{customerId}']['get']>;
export type HistoryEntry = Ok<History>['history'][number];
export type ReferredFriend = Ok<Referrals>['referredFriends'][number];
export type DuplicateSuggestion = Ok<Duplicates>['suggestions'][number];

export interface PatronClientOptions {
  /** Where Patron answers, e.g. https://patron.shop.io (a path prefix is kept). */
  baseUrl: string;
  apiKey: string;
  /** Server side only: it never ships in an app. */
  secretKey?: string;
  /** API v4.1 only: an X-GB-TOKEN standing in for the secretKey (see makeSessionToken); a function is asked per request. */
  sessionToken?: string | (() => string | Promise<string>);
  /** The document's paths are v4.0's; v4.1 serves the same ones under /api/v4.1/integrations. Default v4.0. */
  version?: 'v4.0' | 'v4.1';
  retry?: Partial<RetryOptions>;
  /** An Idempotency-Key on every write that has none, so a retry cannot run it twice. Default true. */
  idempotencyKeys?: boolean;
  fetch?: (request: Request) => Promise<Response>;
}

export interface WriteOptions {
  /** Yours, to repeat a write across processes; otherwise one is made per write. */
  idempotencyKey?: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Non-2xx answers throw PatronError in the fetch below, so an answer that reaches here is a 2xx one. */
const dataOf = <T>(result: { data?: T }): T => result.data as T;

/**
 * Patron's API, typed from its OpenAPI document. `api` is the whole document (openapi-fetch);
 * the methods are the common calls and the paged lists. Every call carries the keys, every write
 * an Idempotency-Key kept across its retries; a refusal throws PatronError.
 */
export class PatronClient {
  readonly api: Client<paths>;
  private readonly retry: RetryOptions;

  constructor(private readonly options: PatronClientOptions) {
    if (options.sessionToken !== undefined && options.version !== 'v4.1')
      throw new TypeError("session tokens are API v4.1's: set version: 'v4.1'");
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.api = createClient<paths>({ baseUrl: options.baseUrl, fetch: (request) => this.send(request) });
  }

  private async send(request: Request): Promise<Response> {
    const { apiKey, secretKey, sessionToken, version, idempotencyKeys = true } = this.options;
    const url = new URL(request.url);
    if (version === 'v4.1') url.pathname = url.pathname.replace('/api/v4.0/integrations/', '/api/v4.1/integrations/');
    const headers = new Headers(request.headers);
    headers.set('apikey', apiKey);
    if (secretKey !== undefined) headers.set('secretkey', secretKey);
    if (sessionToken !== undefined)
      headers.set('x-gb-token', typeof sessionToken === 'string' ? sessionToken : await sessionToken());
    const write = !SAFE_METHODS.has(request.method);
    if (write && idempotencyKeys && !headers.has('idempotency-key'))
      headers.set('idempotency-key', crypto.randomUUID());
    // Read once: each attempt sends the same bytes and the same key.
    const body = request.body === null ? undefined : await request.arrayBuffer();
    const init: RequestInit = { method: request.method, headers, body, signal: request.signal };
    new Request(url, init); // a bad header throws here, not later as a network error to retry
    const response = await withRetries(() => (this.options.fetch ?? fetch)(new Request(url, init)), this.retry, {
      repeatable: !write || headers.has('idempotency-key'),
      signal: request.signal,
    });
    if (!response.ok) throw await PatronError.of(response);
    return response;
  }

  /** Create/update a customer (partial update; null clears). dryRun answers what it would do and writes nothing. */
  async upsert(body: UpsertCustomer, options: WriteOptions & { dryRun?: boolean } = {}): Promise<UpsertedCustomer> {
    return dataOf(
      await this.api.POST('/api/v4.0/integrations/customers', {
        body,
        params: {
          query: options.dryRun ? { dryRun: true } : {},
          header: options.idempotencyKey === undefined ? {} : { 'Idempotency-Key': options.idempotencyKey },
        },
      }),
    );
  }

  async get(customerId: string): Promise<Customer> {
    return dataOf(
      await this.api.GET('/api/v4.0/integrations/customers/{customerId}', { params: { path: { customerId } } }),
    );
  }

  /** The profile's history, newest first, every page. */
  history(customerId: string, query: { limit?: number; mergedProfile?: number } = {}): AsyncGenerator<HistoryEntry> {
    const path = { customerId };
    return paged(
      async (startAfter) =>
        dataOf(
          await this.api.GET('/api/v4.0/integrations/customers/{customerId}/history', {
            params: { path, query: { ...query, startAfter } },
          }),
        ),
      (page) => page.history,
      (entry) => entry.id,
    );
  }

  /** The customer's referred friends in gameballId order, every page. */
  referrals(customerId: string, query: { limit?: number } = {}): AsyncGenerator<ReferredFriend> {
    const path = { customerId };
    return paged(
      async (startAfter) =>
        dataOf(
          await this.api.GET('/api/v4.0/integrations/customers/{customerId}/referrals', {
            params: { path, query: { ...query, startAfter } },
          }),
        ),
      (page) => page.referredFriends,
      (friend) => friend.gameballId,
    );
  }

  /** Possible duplicates in the order they were found (default: the open ones), every page. */
  duplicates(
    query: Omit<NonNullable<Duplicates['parameters']['query']>, 'startAfter'> = {},
  ): AsyncGenerator<DuplicateSuggestion> {
    return paged(
      async (startAfter) =>
        dataOf(
          await this.api.GET('/api/v4.0/integrations/duplicates', { params: { query: { ...query, startAfter } } }),
        ),
      (page) => page.suggestions,
      (suggestion) => suggestion.id,
    );
  }
}
