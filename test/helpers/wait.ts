import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** What is awaited, for the failure message: "timed out after 15000 ms waiting until <what>" (a function: said as of then). */
  what: string | (() => string);
  timeout?: number;
  /** How often the condition is checked. */
  step?: number;
}

/**
 * The one way a test waits: polls `condition` until it holds, and fails naming what it waited
 * for when it does not within the timeout. Tests never sleep a fixed time (eslint forbids
 * setTimeout and timers/promises in test/ outside this file).
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  { what, timeout = 15_000, step = 25 }: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeout} ms waiting until ${typeof what === 'string' ? what : what()}`);
    await sleep(step);
  }
}

/**
 * A peer that is slow on purpose (a webhook receiver, a client between two writes): the delay
 * is what is being simulated, not a wait for something to happen.
 */
export function simulatedLatency(ms: number): Promise<void> {
  return sleep(ms);
}
