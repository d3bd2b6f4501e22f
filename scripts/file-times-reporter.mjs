// A node:test reporter that writes, per test file, the time its top-level tests and suites took
// (one JSON line per file), so that npm test can print where the suite's time goes.
export default async function* fileTimes(source) {
  const seconds = new Map();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0 && event.data.file) {
      seconds.set(event.data.file, (seconds.get(event.data.file) ?? 0) + (event.data.details.duration_ms ?? 0) / 1000);
    }
  }
  for (const [file, s] of seconds) yield `${JSON.stringify({ file, seconds: s })}\n`;
}
