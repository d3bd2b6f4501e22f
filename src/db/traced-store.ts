import { inSpan, tracingOn } from '../telemetry/index.js';
import type { Store } from './connect.js';

/**
 * With tracing on, each store transaction is a child span of what asked for it (a request, a
 * batch chunk): `store write` (on the embedded store with the size of the write group it joined —
 * the writes committed together), `store write chunk`, `store read`. Without tracing, the store
 * itself, untouched.
 */
export function tracedStore(groupSize: () => number, store: Store): Store {
  if (!tracingOn()) return store;
  const system = { 'db.system.name': store.dialect.name === 'postgres' ? 'postgresql' : 'sqlite' };
  const traced =
    (name: string, write: Store['write']): Store['write'] =>
    (work, lockKeys) =>
      inSpan(name, system, (span) =>
        write((tx) => {
          span?.setAttribute('patron.store.group_size', groupSize());
          return work(tx);
        }, lockKeys),
      );
  return {
    ...store,
    write: traced('store write', store.write),
    writeChunk: traced('store write chunk', store.writeChunk),
    read: (work) => inSpan('store read', system, () => store.read(work)),
  };
}
