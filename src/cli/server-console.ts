import type { ProgressOutput } from './ingest-progress.js';

/**
 * The server's terminal when a person watches it: whole lines (log records, notices) and one
 * status line at the bottom (the transcoding bar) that lines print above. Without it a log line
 * written while a progress bar is drawn would land in the middle of the bar.
 */
export class ServerConsole implements ProgressOutput {
  /** The status line as drawn now ('' when none). */
  private status = '';

  constructor(private readonly out: { isTTY?: boolean; write(text: string): unknown } = process.stderr) {}

  get isTTY(): boolean {
    return !!this.out.isTTY;
  }

  /** Raw output from the progress printer: `\r\x1b[K…` redraws the status line, `\n` ends it. */
  write(text: string): void {
    this.out.write(text);
    const nl = text.lastIndexOf('\n');
    const tail = nl >= 0 ? text.slice(nl + 1) : this.status + text;
    const cr = tail.lastIndexOf('\r');
    this.status = (cr >= 0 ? tail.slice(cr + 1) : tail).replace(/^\x1b\[K/, '');
  }

  /** A whole line above the status line. */
  line(text: string): void {
    if (this.status) this.out.write(`\r\x1b[K${text}\n${this.status}`);
    else this.out.write(`${text}\n`);
  }
}
