/**
 * Statements sent, and flights: a flight is a group of statements sent together, the first of
 * them sent while none of its transaction was waiting for an answer — on PostgreSQL each flight
 * is one round trip, however many statements it pipelines. Kysely's statements are counted
 * through its query log (each awaited alone: a flight each), which costs nothing when off.
 */
export function counter(enabled: boolean, texts?: Set<string>) {
  let count = 0;
  let flights = 0;
  return {
    /** `text`: the statement, kept in `texts` when the store was asked to (tests read what a path sends). */
    count: (text?: string) => {
      count++;
      if (texts && text !== undefined) texts.add(text);
    },
    total: () => count,
    /** A new flight begins (the caller saw nothing of its transaction in flight). */
    flight: () => void flights++,
    flights: () => flights,
    log: enabled
      ? (event: { level: string; query: { sql: string } }) => {
          if (event.level !== 'query') return;
          count++;
          flights++;
          texts?.add(event.query.sql);
        }
      : undefined,
  };
}
