import type { Interface } from 'node:readline';
import { clearLine, cursorTo } from 'node:readline';

/**
 * Prints lines above the prompt without disturbing what the user is typing: clear
 * the prompt line, print, then redraw the prompt with the half-typed input.
 * Without a terminal (pipes, tests) it just prints, with no escape codes.
 */
export class TerminalPrinter {
  readonly tty: boolean;
  readonly color: boolean;

  constructor(private readonly rl: Interface, private readonly out: NodeJS.WriteStream = process.stdout) {
    this.tty = !!out.isTTY;
    this.color = this.tty && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  }

  line(text: string): void {
    if (this.tty) {
      cursorTo(this.out, 0);
      clearLine(this.out, 0);
      this.out.write(text + '\n');
      this.rl.prompt(true);
    } else {
      this.out.write(text + '\n');
    }
  }

  private paint(code: string, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  dim(t: string): string {
    return this.paint('2', t);
  }
  bold(t: string): string {
    return this.paint('1', t);
  }
  red(t: string): string {
    return this.paint('1;31', t);
  }
  green(t: string): string {
    return this.paint('32', t);
  }
  cyan(t: string): string {
    return this.paint('36', t);
  }
}
