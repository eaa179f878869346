// Prints where a V8 CPU profile (node --cpu-prof) spent its time: self time per function and
// per file, highest first. Used to find hot paths when a benchmark misses its goal:
//   SEALCAST_BENCH_CPU_PROF=/tmp/prof npm run bench -- relay --quick
//   node dist/bench/tools/profile-top.js /tmp/prof/*.cpuprofile
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  const i = url.indexOf('/node_modules/');
  if (i >= 0) return url.slice(i + 1);
  const d = url.indexOf('/dist/');
  if (d >= 0) return url.slice(d + 1);
  return url.replace(/^file:\/\//, '') || '(native)';
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node dist/bench/tools/profile-top.js FILE.cpuprofile [...]\n');
  process.exit(2);
}
for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const perFile = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const where = shortUrl(n.callFrame.url);
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${where}:${n.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    perFile.set(where, (perFile.get(where) ?? 0) + us);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => `  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`).join('\n');
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled\nself time by function:\n${top(fn, 30)}\nself time by file:\n${top(perFile, 15)}\n\n`);
}
