import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked } from '../lib/proc.js';
import { hasPackage, which } from '../lib/tools.js';

/** What one HTTP load run measured. */
export interface HttpLoadResult {
  tool: 'wrk' | 'autocannon';
  requestsPerSecond: number;
  bytesPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
}

/** The HTTP load tool available here: wrk (C, one thread) when installed, else autocannon. */
export function httpLoadTool(): 'wrk' | 'autocannon' | undefined {
  if (which('wrk')) return 'wrk';
  if (hasPackage('autocannon')) return 'autocannon';
  return undefined;
}

function unitMs(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

function unitBytes(v: string, unit: string): number {
  const scale: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
  return Number(v) * (scale[unit] ?? 1);
}

/** Parses wrk's report (run with --latency). */
export function parseWrk(out: string): Omit<HttpLoadResult, 'tool'> {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const tps = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(out);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  if (!rps || !tps || !p50 || !p99) throw new Error(`wrk output not understood:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSecond: Number(rps[1]),
    bytesPerSecond: Math.round(unitBytes(tps[1]!, tps[2]!)),
    latencyP50Ms: unitMs(p50[1]!, p50[2]!),
    latencyP99Ms: unitMs(p99[1]!, p99[2]!),
    non2xx,
    errors: errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

/**
 * Keeps `connections` keep-alive HTTPS connections busy for `seconds`, each request taking
 * the next path of `paths` in turn (viewers fetching segments as fast as they can).
 */
export async function httpLoad(tool: 'wrk' | 'autocannon', baseUrl: string, paths: string[], connections: number, seconds: number, dir: string): Promise<HttpLoadResult> {
  if (tool === 'wrk') {
    const script = join(dir, `paths-${Date.now()}.lua`);
    writeFileSync(
      script,
      `local paths = {${paths.map((p) => JSON.stringify(p)).join(',')}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n`,
    );
    const child = spawnTracked(which('wrk')!, ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '--latency', '-s', script, baseUrl]);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`wrk failed (${code}):\n${out}`);
    return { tool, ...parseWrk(out) };
  }
  const autocannon = (await import('autocannon')).default;
  const r = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    requests: paths.map((path) => ({ method: 'GET', path })),
    // Self-signed certificate: the same one on both sides.
    tlsOptions: { rejectUnauthorized: false },
  } as never);
  const res = r as unknown as { requests: { average: number }; throughput: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number };
  return {
    tool,
    requestsPerSecond: res.requests.average,
    bytesPerSecond: res.throughput.average,
    latencyP50Ms: res.latency.p50,
    latencyP99Ms: res.latency.p99,
    non2xx: res.non2xx,
    errors: res.errors,
  };
}
