/** How a request is retried when Patron says it may be (docs/errors.md, docs/operations.md). */
export interface RetryOptions {
  /** Attempts in all, the first included: 1 never retries. */
  attempts: number;
  /** The ceiling of the first backoff; each later one doubles it (full jitter below the ceiling). */
  baseDelayMs: number;
  /** No wait is longer: a Retry-After beyond it ends the retries (the answer is thrown). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 4, baseDelayMs: 200, maxDelayMs: 20_000 };

/** 409s that mean "try again": concurrent writes kept conflicting (4009); the same Idempotency-Key is still running (4019). */
const RETRYABLE_CONFLICTS: ReadonlySet<unknown> = new Set([4009, 4019]);

/** 429 and 503 did not run; the two 409s above did not either. Any other 4xx would fail again, and a 500 is a bug. */
export async function mayRetry(response: Response): Promise<boolean> {
  if (response.status === 429 || response.status === 503) return true;
  if (response.status !== 409) return false;
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => undefined);
  return RETRYABLE_CONFLICTS.has((body as { code?: unknown } | undefined)?.code);
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Exponential backoff with full jitter: many clients refused at once do not come back at once. */
export function backoffMs(retry: number, options: RetryOptions): number {
  return Math.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/**
 * Sends until an answer is final. A network error (fetch rejects with a TypeError) is retried only
 * when a repeat is safe — an idempotent method, or a write with an Idempotency-Key — since the
 * first attempt may have run; an abort never is.
 */
export async function withRetries(
  send: () => Promise<Response>,
  options: RetryOptions,
  { repeatable, signal }: { repeatable: boolean; signal?: AbortSignal },
): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    let wait: number;
    try {
      const response = await send();
      if (attempt >= options.attempts || !(await mayRetry(response))) return response;
      wait = retryAfterMs(response.headers.get('retry-after')) ?? backoffMs(attempt, options);
      if (wait > options.maxDelayMs) return response;
      await response.body?.cancel();
    } catch (error) {
      if (!(error instanceof TypeError) || !repeatable || signal?.aborted || attempt >= options.attempts) throw error;
      wait = backoffMs(attempt, options);
    }
    await sleep(wait, signal);
  }
}
