/**
 * The part of the terminal the video is drawn in, and putting the terminal back.
 *
 * - fullscreen (`sealcast play`): the alternate screen with the cursor hidden; the
 *   video fills it above one status row. Leaving restores the screen the user had.
 * - above-prompt (`/play` in connect): the video and its status row take the top of
 *   the normal screen and a scroll region keeps the bottom rows for chat and the
 *   prompt, so messages and typing carry on under the picture. Frames are drawn
 *   between save-cursor and restore-cursor, so the prompt's cursor never moves.
 *
 * The terminal is restored on leave(), and also if the process exits without it
 * (an uncaught error): a hidden cursor or a stuck scroll region would outlive us.
 */
export type VideoLayout = 'fullscreen' | 'above-prompt';

/** Rows and columns are 1-based screen coordinates. */
export interface ScreenLayout {
  videoTop: number;
  videoRows: number;
  cols: number;
  statusRow: number;
  /** Scroll region kept for chat (above-prompt only). */
  chat?: { top: number; bottom: number };
}

const CSI = '\x1b[';
export const ESC = {
  altScreenOn: `${CSI}?1049h`,
  altScreenOff: `${CSI}?1049l`,
  hideCursor: `${CSI}?25l`,
  showCursor: `${CSI}?25h`,
  resetColours: `${CSI}0m`,
  saveCursor: '\x1b7',
  restoreCursor: '\x1b8',
  clearScreen: `${CSI}2J`,
  clearLine: `${CSI}2K`,
  resetScrollRegion: `${CSI}r`,
  scrollRegion: (top: number, bottom: number) => `${CSI}${top};${bottom}r`,
  moveTo: (row: number, col: number) => `${CSI}${row};${col}H`,
};

/** Where things go on a screen of `cols` × `rows`. */
export function layoutFor(layout: VideoLayout, cols: number, rows: number): ScreenLayout {
  if (layout === 'fullscreen') return { videoTop: 1, videoRows: Math.max(0, rows - 1), cols, statusRow: rows };
  // A third of the screen (at least 4 rows, at most rows − 3) stays for chat and the prompt.
  const chatRows = Math.min(Math.max(4, Math.floor(rows / 3)), Math.max(1, rows - 3));
  const videoRows = Math.max(0, rows - chatRows - 1);
  return { videoTop: 1, videoRows, cols, statusRow: videoRows + 1, chat: { top: videoRows + 2, bottom: rows } };
}

export class VideoScreen {
  private active = false;
  private current: ScreenLayout;
  private readonly onExit = () => this.out.write(this.restoreSequence());
  private readonly onResize = () => this.relayout();

  /**
   * `onLayout` runs after the chat region moved (enter, resize) so the caller can
   * redraw its prompt there; `onResize` lets the renderer repaint at the new size.
   */
  constructor(
    private readonly out: NodeJS.WriteStream,
    readonly layout: VideoLayout,
    private readonly hooks: { onLayout?: () => void; onResize?: () => void } = {},
  ) {
    this.current = this.measure();
  }

  private measure(): ScreenLayout {
    return layoutFor(this.layout, this.out.columns || 80, this.out.rows || 24);
  }

  get area(): ScreenLayout {
    return this.current;
  }

  enter(): void {
    if (this.active) return;
    this.active = true;
    this.current = this.measure();
    process.on('exit', this.onExit);
    // 'resize' is how Node reports SIGWINCH on a TTY; columns and rows are re-read then.
    this.out.on('resize', this.onResize);
    if (this.layout === 'fullscreen') {
      this.out.write(ESC.altScreenOn + ESC.hideCursor + ESC.clearScreen);
    } else {
      // Scroll what is on screen into the scrollback, then fence off the chat rows.
      const rows = this.out.rows || 24;
      this.out.write(ESC.moveTo(rows, 1) + '\n'.repeat(rows) + this.regionSequence());
      this.hooks.onLayout?.();
    }
  }

  private regionSequence(): string {
    const chat = this.current.chat!;
    // Setting a scroll region moves the cursor home: put it back at the bottom for the prompt.
    return ESC.scrollRegion(chat.top, chat.bottom) + ESC.moveTo(chat.bottom, 1);
  }

  private relayout(): void {
    if (!this.active) return;
    this.current = this.measure();
    if (this.layout === 'fullscreen') {
      this.out.write(ESC.clearScreen);
    } else {
      this.out.write(ESC.resetScrollRegion + ESC.clearScreen + this.regionSequence());
      this.hooks.onLayout?.();
    }
    this.hooks.onResize?.();
  }

  /** Draws text positioned with absolute moves (frames, the status row) without moving the prompt's cursor. */
  draw(text: string): void {
    if (!this.active || !text) return;
    this.out.write(this.layout === 'above-prompt' ? ESC.saveCursor + text + ESC.restoreCursor : text);
  }

  /** The status row: one line, clipped to the width. */
  status(text: string): void {
    const clipped = [...text].slice(0, Math.max(0, this.current.cols - 1)).join('');
    this.draw(ESC.moveTo(this.current.statusRow, 1) + ESC.clearLine + '\x1b[7m' + clipped + ESC.resetColours);
  }

  private restoreSequence(): string {
    if (this.layout === 'fullscreen') return ESC.resetColours + ESC.showCursor + ESC.altScreenOff;
    let wipe = '';
    for (let r = 1; r <= this.current.statusRow; r++) wipe += ESC.moveTo(r, 1) + ESC.clearLine;
    // DECSTBM homes the cursor: save and restore around it so the prompt stays put.
    return ESC.resetColours + ESC.saveCursor + wipe + ESC.resetScrollRegion + ESC.restoreCursor + ESC.showCursor;
  }

  /** Puts the terminal back as it was (idempotent). */
  leave(): void {
    if (!this.active) return;
    this.active = false;
    process.off('exit', this.onExit);
    this.out.off('resize', this.onResize);
    this.out.write(this.restoreSequence());
  }
}
