/** Kysely's statements are counted through its query log, which costs nothing when off. */
export function counter(enabled: boolean) {
  let count = 0;
  return {
    count: () => void count++,
    total: () => count,
    log: enabled ? (event: { level: string }) => void (event.level === 'query' && count++) : undefined,
  };
}
