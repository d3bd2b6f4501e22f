import { inChildSpan, tracingOn } from '../telemetry/index.js';
import type { Store } from './connect.js';

/**
 * With tracing on, each store transaction is a child span of what asked for it (a request, a
 * batch chunk; a worker's polling, under no span, is not traced): `store write` (on the embedded store with the write group it joined — its number
 * and how many writes committed together in it), `store write chunk`, `store read`. Without tracing, the store
 * itself, untouched.
 */
export function tracedStore(group: (() => { number: number; size: number }) | undefined, store: Store): Store {
  if (!tracingOn()) return store;
  const system = { 'db.system.name': store.dialect.name === 'postgres' ? 'postgresql' : 'sqlite' };
  const traced =
    (name: string, write: Store['write']): Store['write'] =>
    (work, lockKeys) =>
      inChildSpan(name, system, (span) =>
        write((tx) => {
          // Called inside the transaction: the group running now is the one this write joined.
          const joined = group?.();
          if (span && joined)
            span.setAttributes({ 'patron.store.group': joined.number, 'patron.store.group_size': joined.size });
          return work(tx);
        }, lockKeys),
      );
  return {
    ...store,
    write: traced('store write', store.write),
    writeChunk: traced('store write chunk', store.writeChunk),
    read: (work) => inChildSpan('store read', system, () => store.read(work)),
  };
}
