#!/usr/bin/env node
// `npm run bench` entry: the benchmarks are TypeScript compiled to dist/bench/ by the build
// that runs first. Raises the open-file limit to the hard limit (the connections benchmark
// holds thousands of sockets) by re-running itself under `ulimit -n`, then starts the runner.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const cli = new URL('../dist/bench/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('bench: dist/bench/cli.js is missing; run "npm run build" first (npm run bench does)\n');
  process.exit(1);
}

function limits() {
  const r = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' });
  const [soft, hard] = (r.stdout ?? '').trim().split('\n');
  return { soft: soft === 'unlimited' ? Infinity : Number(soft), hard: hard === 'unlimited' ? 1048576 : Number(hard) };
}

const { soft, hard } = limits();
if (!process.env.SEALCAST_BENCH_ULIMIT_RAISED && Number.isFinite(hard) && soft < hard) {
  const quoted = process.argv.slice(2).map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('sh', ['-c', `ulimit -n ${hard} && exec "${process.execPath}" "${new URL(import.meta.url).pathname}" ${quoted}`], {
    stdio: 'inherit',
    env: { ...process.env, SEALCAST_BENCH_ULIMIT_RAISED: '1' },
  });
  process.exit(r.status ?? 1);
}
await import(cli.href);
