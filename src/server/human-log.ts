/** pino's numeric levels, as people read them. */
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** Fields every record has, which a person does not need repeated on each line. */
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'svc', 'msg']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[\w.:/@%+-]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

/**
 * One pino JSON record as a line for a person at a terminal: "15:04:05 warn  title failed  title=notes …"
 * (time of day, the level when it is not info, the message, then the record's own fields). `color` adds
 * yellow for warnings and red for errors. A line that is not a pino record is passed through.
 */
export function humanLogLine(json: string, color: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof rec.time === 'number' ? new Date(rec.time).toTimeString().slice(0, 8) : '';
  const level = LEVELS[rec.level as number] ?? 'info';
  const fields = Object.entries(rec).filter(([k]) => !SKIP.has(k)).map(([k, v]) => `${k}=${value(v)}`).join(' ');
  const label = level === 'info' ? '' : `${level.padEnd(5)} `;
  const text = `${label}${String(rec.msg ?? '')}${fields ? `  ${fields}` : ''}`;
  const paint = !color ? '' : level === 'warn' ? '\x1b[33m' : level === 'error' || level === 'fatal' ? '\x1b[31m' : '';
  return `${time} ${paint}${text}${paint ? '\x1b[0m' : ''}`;
}
