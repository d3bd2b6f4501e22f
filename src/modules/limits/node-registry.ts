import { randomUUID } from 'node:crypto';
import type { Store } from '../../db/connect.js';
import { forgetNodesBefore, nodesSeenSince, recordBeat, removeNode } from './nodes.store.js';

export const HEARTBEAT_MS = 2_000;
/** A node that missed this many heartbeats no longer takes a share. */
const MISSED_BEATS = 3;
/** Rows of nodes gone this long are deleted by whichever node beats next. */
const FORGET_AFTER_MS = 60_000;

/** How many nodes share an account's limits, as this node last saw it. */
export interface NodeCount {
  /** `patron serve` nodes alive: the API limits are split among them. */
  serveNodes(): number;
  /** This node and the others that ran batch or import items lately: they split the bulk budget. */
  bulkNodes(): number;
  /** This node runs bulk items (said in its next heartbeat). */
  markBulk(): void;
}

/** One node of any kind, for an app or worker that runs alone (tests, a single process). */
export const SINGLE_NODE: NodeCount = { serveNodes: () => 1, bulkNodes: () => 1, markBulk: () => undefined };

/**
 * Heartbeats in the store (table patron_nodes): every node writes its row every 2 s and counts
 * the rows seen in the last 6 s, so each node knows how many share the limits — without a store
 * round trip per request. Nodes' clocks must agree to within a second or two (NTP).
 */
export class NodeRegistry implements NodeCount {
  readonly id = randomUUID();
  private serve = 1;
  private otherBulk = 0;
  private bulkSinceBeat = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly role: 'serve' | 'import',
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  serveNodes(): number {
    return this.serve;
  }

  bulkNodes(): number {
    return 1 + this.otherBulk;
  }

  markBulk(): void {
    this.bulkSinceBeat = true;
  }

  async start(log: { warn(context: object, message: string): void }): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((error: unknown) =>
        log.warn({ err: error }, 'node heartbeat failed; keeping the last node count'),
      );
    }, this.heartbeatMs);
    this.timer.unref();
  }

  /** Leaves at once, so the others take over its share at their next beat. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.store.write(({ db }) => removeNode(db, this.id));
  }

  async beat(): Promise<void> {
    const now = Date.now();
    const bulk = this.bulkSinceBeat ? 1 : 0;
    this.bulkSinceBeat = false;
    await this.store.write(async ({ db }) => {
      await recordBeat(db, { id: this.id, role: this.role, seenAt: new Date(now).toISOString(), bulk });
      await forgetNodesBefore(db, new Date(now - FORGET_AFTER_MS).toISOString());
    });
    const live = await nodesSeenSince(this.store.db, new Date(now - MISSED_BEATS * this.heartbeatMs).toISOString());
    this.serve = Math.max(1, live.filter((n) => n.role === 'serve').length);
    this.otherBulk = live.filter((n) => n.id !== this.id && Number(n.bulk) === 1).length;
  }
}
