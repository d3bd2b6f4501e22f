import type { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';

/**
 * A background loop: runs a round, then waits `pollMs` — or runs again at once when the round
 * did work, or when `signal` emits 'queued' (work committed on this node). One round at a time;
 * stop() waits for the current one.
 */
export abstract class PollingWorker {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  private readonly onQueued = () => this.kick();

  protected constructor(
    protected readonly name: string,
    protected readonly pollMs: number,
    protected readonly log: FastifyBaseLogger,
    private readonly signal?: EventEmitter,
  ) {}

  /** True once stop() was called: long rounds should end at their next safe point. */
  protected get stopping(): boolean {
    return this.stopped;
  }

  /** One round; returns how much it did (0 = idle, wait for the next poll). */
  protected abstract round(): Promise<number>;

  start(): void {
    this.signal?.on('queued', this.onQueued);
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.signal?.off('queued', this.onQueued);
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Runs a round now (or right after the current one). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.running = true;
    let busy = false;
    try {
      busy = (await this.round()) > 0;
    } catch (error) {
      // The store may be down; the next poll tries again.
      this.log.warn({ err: error, worker: this.name }, 'background round failed; will retry');
    } finally {
      this.running = false;
    }
    const more = busy || this.again;
    this.again = false;
    this.schedule(more ? 0 : this.pollMs);
  }
}
