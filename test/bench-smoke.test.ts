// Keeps the benchmark code from rotting: runs the quick mode of three benchmarks (the relay, whose
// load generator is the most intricate, crypto and mls) into a temporary directory and checks that
// each writes a well-formed result. It checks shape, never speed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resultProblems, type BenchResult } from '../bench/lib/result.js';
import { repoRoot } from './support/repo-root.js';
import { removeDir, tempDir } from './support/server-process.js';

test('quick benchmarks run and write well-formed results', { timeout: 120_000 }, () => {
  const out = tempDir('sealcast-bench-smoke-');
  try {
    const r = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'bench', 'cli.js'), 'relay', 'crypto', 'mls', '--quick', '--out', out], {
      encoding: 'utf8',
      timeout: 110_000,
      // SIGKILL: a hung benchmark (one deadlocked in native code never ran its SIGTERM handler)
      // must fail this test, not hold the whole run for ever.
      killSignal: 'SIGKILL',
      env: {
        ...process.env,
        // Smaller than --quick alone: this is a smoke test, not a measurement.
        SEALCAST_BENCH_RELAY_CLIENTS: '6',
        SEALCAST_BENCH_RELAY_WARMUP_MS: '100',
        SEALCAST_BENCH_RELAY_MEASURE_MS: '300',
        SEALCAST_BENCH_CRYPTO_MS: '50',
        SEALCAST_BENCH_MLS_MAX_MEMBERS: '10',
        SEALCAST_BENCH_MLS_MS: '50',
      },
    });
    assert.equal(r.status, 0, `bench exited with ${r.status}:\n${r.stderr}`);
    for (const name of ['relay', 'crypto', 'mls']) {
      const file = join(out, `${name}.json`);
      assert.ok(existsSync(file), `${file} was not written`);
      const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
      assert.deepEqual(resultProblems(result), [], `${name}.json is malformed`);
      assert.equal(result.name, name);
      assert.equal(result.quick, true);
      assert.match(result.command, new RegExp(`npm run bench -- .*${name}`));
      assert.ok(result.summary.some((row) => row.baseline !== undefined && Number.isFinite(row.ratio)), `${name}: no row compares with a baseline`);
    }
    const relay = JSON.parse(readFileSync(join(out, 'relay.json'), 'utf8')) as BenchResult;
    assert.ok(relay.summary.some((row) => row.baselineName === 'bare ws'), 'relay has no bare ws comparison');
    // Every message sent in the measured windows arrived: the generator and three servers work end to end.
    for (const [kind, rounds] of Object.entries(relay.details.perKind as Record<string, { saturation: { lost: number; deliveriesPerSecond: number } }[]>)) {
      assert.ok(rounds[0]!.saturation.deliveriesPerSecond > 0, `${kind}: nothing was delivered`);
      assert.equal(rounds[0]!.saturation.lost, 0, `${kind}: messages were lost`);
    }
    assert.match(r.stdout, /relay: .*\n(.*\n)*.*ratio/);
  } finally {
    removeDir(out);
  }
});
