import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo } from './machine.js';

/** One line of a benchmark's headline table: sealcast beside its baseline, and the ratio. */
export interface SummaryRow {
  metric: string;
  unit: string;
  sealcast: number;
  baseline?: number;
  baselineName?: string;
  /** sealcast / baseline. */
  ratio?: number;
  higherIsBetter: boolean;
  /** The goal this row is judged by, in words ("≥ 0.8× nginx"). */
  goal?: string;
  pass?: boolean;
}

/** What a benchmark returns; the runner adds the machine, date and command. */
export interface BenchOutput {
  parameters: Record<string, unknown>;
  /** The load this benchmark puts on the machine, and for how long at most. */
  loadBound: string;
  summary: SummaryRow[];
  details: Record<string, unknown>;
  notes: string[];
  /** Comparisons that could not run here, and why (a missing tool, a limit reached). */
  skipped: { what: string; reason: string }[];
}

/** The file bench/results/NAME.json. */
export interface BenchResult extends BenchOutput {
  schema: 1;
  name: string;
  title: string;
  goal: string;
  date: string;
  command: string;
  quick: boolean;
  durationSeconds: number;
  machine: MachineInfo;
}

/** Writes NAME.json atomically (a half-written result never replaces a good one). */
export function writeResult(dir: string, result: BenchResult): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.name}.json`);
  writeFileSync(file + '.tmp', JSON.stringify(result, null, 2) + '\n');
  renameSync(file + '.tmp', file);
  return file;
}

/** Every result file in a directory, by benchmark name order of `order` (others after). */
export function readResults(dir: string, order: readonly string[]): BenchResult[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const results = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as BenchResult);
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
  return results.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/**
 * Checks that a parsed result file has the shape BENCHMARKS.md and readers rely on;
 * returns the problems found (empty when well-formed). Used by the smoke test.
 */
export function resultProblems(r: unknown): string[] {
  const p: string[] = [];
  const o = r as Partial<BenchResult>;
  if (!o || typeof o !== 'object') return ['not an object'];
  if (o.schema !== 1) p.push('schema is not 1');
  for (const k of ['name', 'title', 'goal', 'date', 'command', 'loadBound'] as const) {
    if (typeof o[k] !== 'string' || o[k] === '') p.push(`${k} missing`);
  }
  if (typeof o.date === 'string' && Number.isNaN(Date.parse(o.date))) p.push('date is not a date');
  const m = o.machine;
  if (!m || !(m.cpus > 0) || !(m.memoryBytes > 0) || !/^v\d+/.test(m.node ?? '')) p.push('machine incomplete');
  if (!o.parameters || typeof o.parameters !== 'object') p.push('parameters missing');
  if (!Array.isArray(o.summary) || o.summary.length === 0) p.push('summary empty');
  for (const [i, row] of (o.summary ?? []).entries()) {
    if (typeof row.metric !== 'string' || typeof row.unit !== 'string') p.push(`summary[${i}] unnamed`);
    if (typeof row.sealcast !== 'number' || !Number.isFinite(row.sealcast)) p.push(`summary[${i}] (${row.metric}) has no sealcast number`);
    if (row.baseline !== undefined && row.ratio === undefined) p.push(`summary[${i}] (${row.metric}) has a baseline but no ratio`);
  }
  if (!Array.isArray(o.notes) || !Array.isArray(o.skipped)) p.push('notes or skipped missing');
  if (!(typeof o.durationSeconds === 'number' && o.durationSeconds >= 0)) p.push('durationSeconds missing');
  return p;
}
