import { readFileSync, writeFileSync } from 'node:fs';
import type { BenchResult, SummaryRow } from './result.js';

export const BEGIN = '<!-- bench-results:begin (written by npm run bench; edit outside these markers) -->';
export const END = '<!-- bench-results:end -->';

function fmt(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US');
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  return v.toFixed(abs >= 1 ? 2 : 3);
}

function rowLine(r: SummaryRow): string {
  const verdict = r.pass === undefined ? '' : r.pass ? 'met' : '**missed**';
  const base = r.baseline === undefined ? '–' : `${fmt(r.baseline)} (${r.baselineName ?? 'baseline'})`;
  const ratio = r.ratio === undefined ? '–' : `${fmt(r.ratio)}×`;
  return `| ${r.metric} | ${r.unit} | ${fmt(r.sealcast)} | ${base} | ${ratio} | ${r.goal ?? ''} | ${verdict} |`;
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** Markdown for one result file: where and when it ran, the headline table, notes. */
export function renderResult(r: BenchResult): string {
  const m = r.machine;
  const lines = [
    `### ${r.name}: ${r.title}`,
    '',
    `Goal: ${r.goal}`,
    '',
    `Run ${r.date} with \`${r.command}\`${r.quick ? ' (quick mode: small, not representative)' : ''} in ${Math.round(r.durationSeconds)} s on ` +
      `${m.cpus} × ${m.cpuModel}, ${gib(m.memoryBytes)}, Node ${m.node} (load average ${m.loadAverage1m} at the start). ` +
      `File: [bench/results/${r.name}.json](bench/results/${r.name}.json).`,
    '',
    `Load: ${r.loadBound}.`,
    '',
    '| metric | unit | sealcast | baseline | ratio | goal | |',
    '| --- | --- | ---: | ---: | ---: | --- | --- |',
    ...r.summary.map(rowLine),
  ];
  if (r.skipped.length > 0) {
    lines.push('', 'Skipped:', ...r.skipped.map((s) => `- ${s.what}: ${s.reason}`));
  }
  if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

/** Replaces the generated part of BENCHMARKS.md (between the markers) with the latest results. */
export function updateBenchmarksMd(file: string, results: readonly BenchResult[]): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  }
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file} lacks the result markers; add\n${BEGIN}\n${END}`);
  const body = results.length ? results.map(renderResult).join('\n\n') : '_No results yet: run `npm run bench`._';
  writeFileSync(file, text.slice(0, a + BEGIN.length) + '\n\n' + body + '\n\n' + text.slice(b));
}

/** A short console table of a result's headline rows. */
export function consoleSummary(r: BenchResult): string {
  const rows = r.summary.map((s) => {
    const base = s.baseline === undefined ? '' : `  vs ${s.baselineName ?? 'baseline'} ${fmt(s.baseline)}  ratio ${fmt(s.ratio)}x`;
    const verdict = s.pass === undefined ? '' : s.pass ? '  [goal met]' : '  [goal MISSED]';
    return `  ${s.metric}: ${fmt(s.sealcast)} ${s.unit}${base}${verdict}`;
  });
  const skipped = r.skipped.map((s) => `  skipped ${s.what}: ${s.reason}`);
  return [`${r.name}: ${r.title}`, ...rows, ...skipped].join('\n');
}
