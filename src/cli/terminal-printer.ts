import type { Interface } from 'node:readline';
import { clearScreenDown, cursorTo, moveCursor } from 'node:readline';

/**
 * Prints lines above the prompt without disturbing what the user is typing: move
 * to the start of the prompt (which may span several rows when the input wraps),
 * clear down, print, then redraw the prompt with the half-typed input and the
 * cursor where it was. Without a terminal (pipes, tests) or with TERM=dumb it
 * just prints, with no escape codes; colours also honour NO_COLOR.
 */
export class TerminalPrinter {
  /** Cursor control is available (a TTY that is not TERM=dumb). */
  readonly tty: boolean;
  readonly color: boolean;
  /** Non-ASCII symbols are safe to print. */
  readonly unicode: boolean;

  constructor(private readonly rl: Interface, private readonly out: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env) {
    this.tty = !!out.isTTY && env.TERM !== 'dumb';
    this.color = this.tty && env.NO_COLOR === undefined;
    const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
    this.unicode = this.tty && (locale === '' || /utf-?8/i.test(locale));
  }

  /** Prints one or more lines above the prompt. */
  line(text: string): void {
    if (!this.tty) {
      this.out.write(text + '\n');
      return;
    }
    const rows = this.rl.getCursorPos().rows;
    if (rows > 0) moveCursor(this.out, 0, -rows);
    cursorTo(this.out, 0);
    clearScreenDown(this.out);
    this.out.write(text + '\n');
    this.redrawPrompt();
  }

  /** Draws the prompt and the half-typed input afresh where the cursor is (after the screen changed under it). */
  redrawPrompt(): void {
    if (!this.tty) return;
    // readline redraws by first moving up the rows the old prompt had; they are
    // gone (cleared or scrolled away), so tell it the prompt now starts on this row.
    const internals = this.rl as unknown as { prevRows?: number };
    if (typeof internals.prevRows === 'number') internals.prevRows = 0;
    this.rl.prompt(true);
  }

  private paint(code: string, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  /** A symbol, with an ASCII stand-in for terminals that may not show it. */
  sym(unicode: string, ascii: string): string {
    return this.unicode ? unicode : ascii;
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
  yellow(t: string): string {
    return this.paint('33', t);
  }
}
