/**
 * A token bucket that holds one second's worth of its rate, refilled continuously. The rate may
 * change between calls (the account's setting, the number of nodes sharing it); a debt (taking
 * more than is there) is allowed for bulk work, which then waits it out.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(rate: number, nowMs: number) {
    this.tokens = capacityOf(rate);
    this.at = nowMs;
  }

  /** Tokens now, after refilling at `rate` per second since the last call. */
  level(rate: number, nowMs: number): number {
    this.tokens = Math.min(capacityOf(rate), this.tokens + ((nowMs - this.at) / 1000) * rate);
    this.at = nowMs;
    return this.tokens;
  }

  /** Takes `n` if there are that many; answers whether it did. */
  tryTake(n: number, rate: number, nowMs: number): boolean {
    if (this.level(rate, nowMs) < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Takes `n` even into debt; answers how long to wait (ms) until the debt is paid. */
  takeOwing(n: number, rate: number, nowMs: number): number {
    this.tokens = this.level(rate, nowMs) - n;
    return this.tokens >= 0 ? 0 : (-this.tokens / rate) * 1000;
  }

  /** Seconds until the bucket is full again, and until it holds one token. */
  timings(rate: number): { fullInSec: number; oneInSec: number } {
    return {
      fullInSec: Math.max(0, (capacityOf(rate) - this.tokens) / rate),
      oneInSec: Math.max(0, (1 - this.tokens) / rate),
    };
  }
}

/** One second's worth, and at least one token: a share below 1/s still lets a request through now and then. */
const capacityOf = (rate: number): number => Math.max(1, rate);
