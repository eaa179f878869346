import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../test/support/repo-root.js';
import { cryptoBench } from './crypto/crypto.js';
import { mlsBench } from './mls/mls.js';
import { relayBench } from './relay/relay.js';
import { connectionsBench } from './connections/connections.js';
import { mediaServingBench } from './media/media-serving.js';
import { transcodeBench } from './transcode/transcode.js';
import { playLatencyBench } from './play-latency/play-latency.js';
import type { Benchmark } from './lib/bench.js';
import { machineInfo } from './lib/machine.js';
import { consoleSummary, updateBenchmarksMd } from './lib/report.js';
import { readResults, writeResult, type BenchResult } from './lib/result.js';

/** Every benchmark, in the order `npm run bench` runs them. */
export const BENCHMARKS: Benchmark[] = [relayBench, connectionsBench, mediaServingBench, transcodeBench, playLatencyBench, cryptoBench, mlsBench];

const HELP = `Usage: npm run bench [-- [NAME ...] [--quick] [--out DIR]]

Runs sealcast's benchmarks, each beside its baseline in the same run, and writes
DIR/NAME.json (default bench/results/) with the machine, date, command, parameters,
medians and ratios. A full run into bench/results/ also rewrites the results part of
BENCHMARKS.md.

  NAME        one or more of: ${BENCHMARKS.map((b) => b.name).join(', ')} (default: all)
  --quick     small sizes, seconds each; results go to bench/results/quick/ unless --out
              (also SEALCAST_BENCH_QUICK=1)
  --out DIR   where to write NAME.json
  --list      list the benchmarks and their goals

Sizes can be changed with SEALCAST_BENCH_* variables (see BENCHMARKS.md).
Everything runs on 127.0.0.1 and stops by itself; missing tools (nginx, wrk, ...) are
reported and that comparison is skipped. Nothing is installed at run time.
`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { quick: { type: 'boolean' }, out: { type: 'string' }, list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.list) {
    for (const b of BENCHMARKS) process.stdout.write(`${b.name.padEnd(14)} ${b.title}\n${' '.repeat(15)}goal: ${b.goal}\n`);
    return 0;
  }
  const unknown = positionals.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  const quick = values.quick === true || process.env.SEALCAST_BENCH_QUICK === '1';
  const root = repoRoot();
  const defaultOut = join(root, 'bench', 'results');
  const out = resolve(values.out ?? (quick ? join(defaultOut, 'quick') : defaultOut));
  const chosen = positionals.length ? BENCHMARKS.filter((b) => positionals.includes(b.name)) : BENCHMARKS;
  const command = `npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`;

  let failed = 0;
  for (const b of chosen) {
    const tmp = mkdtempSync(join(tmpdir(), `sealcast-bench-${b.name}-`));
    const started = Date.now();
    const machine = machineInfo();
    process.stderr.write(`\n== ${b.name}: ${b.title}${quick ? ' (quick)' : ''}\n`);
    try {
      const output = await b.run({ quick, tmp, log: (m) => process.stderr.write(`  [${b.name}] ${m}\n`) });
      const result: BenchResult = {
        schema: 1,
        name: b.name,
        title: b.title,
        goal: b.goal,
        date: new Date(started).toISOString(),
        command,
        quick,
        durationSeconds: Math.round((Date.now() - started) / 100) / 10,
        machine,
        ...output,
      };
      const file = writeResult(out, result);
      process.stdout.write(`${consoleSummary(result)}\n  -> ${file}\n`);
    } catch (e) {
      failed++;
      process.stderr.write(`bench ${b.name} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  if (out === defaultOut) {
    updateBenchmarksMd(join(root, 'BENCHMARKS.md'), readResults(out, BENCHMARKS.map((b) => b.name)));
    process.stderr.write('BENCHMARKS.md updated from bench/results/\n');
  }
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  },
);
