// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the Patron process spent its
// CPU, by function and by package/module, so a missed target comes with its top causes.
// Usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: CpuNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  name: string;
  selfPct: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Share of samples where the process was idle (waiting on I/O). */
  idlePct: number;
  functions: ProfileEntry[];
  modules: ProfileEntry[];
}

/** node_modules/<pkg> or src/… : the unit a fix would touch. */
function moduleOf(url: string): string {
  if (!url) return '(native/V8)';
  // The full run's compiled Patron (bench/run.ts BUILD_DIR) is src/.
  const built = /\/patron-bench\/build\/(.*)$/.exec(url);
  if (built?.[1]) return `src/${built[1]}`;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm?.[1]) return nm[1];
  if (url.startsWith('node:')) return url;
  const src = /\/(src|bench)\/(.*)$/.exec(url);
  return src ? `${src[1]}/${src[2]}` : path.basename(url);
}

export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i] ?? 0)));
  let total = 0;
  let idle = 0;
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    total += us;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const where = frame.url ? `${moduleOf(frame.url)}:${frame.lineNumber + 1}` : '';
    const fn = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    const mod = frame.url ? moduleOf(frame.url) : frame.functionName;
    modules.set(mod, (modules.get(mod) ?? 0) + us);
  }
  const busy = Math.max(1, total - idle);
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfPct: Math.round((us / busy) * 1000) / 10 }));
  return {
    file,
    totalMs: Math.round(total / 1000),
    idlePct: Math.round((idle / Math.max(1, total)) * 1000) / 10,
    functions: rank(functions),
    modules: rank(modules),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const lines = [
    `${path.basename(s.file)}: ${s.totalMs} ms sampled, ${s.idlePct}% idle; shares below are of busy time`,
  ];
  lines.push(
    '  top modules:   ' +
      s.modules
        .slice(0, 8)
        .map((m) => `${m.name} ${m.selfPct}%`)
        .join(', '),
  );
  lines.push('  top functions:');
  for (const f of s.functions.slice(0, 12)) lines.push(`    ${f.selfPct.toFixed(1).padStart(5)}%  ${f.name}`);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(formatProfile(summariseProfile(file, Number(top ?? 15))));
}
