/**
 * Replays terminal output onto a grid of cells, understanding what the video
 * renderer sends (cursor moves, save/restore cursor, SGR colours) and skipping
 * other control sequences. Tests use it to see the picture a terminal would show.
 */
export interface Cell {
  ch: string;
  /** "r,g,b" of a 24-bit colour, '' for the default. */
  fg: string;
  bg: string;
}

export function replay(text: string, cols: number, rows: number): Cell[][] {
  const grid: Cell[][] = Array.from({ length: rows }, () => Array.from({ length: cols }, () => ({ ch: ' ', fg: '', bg: '' })));
  let r = 0;
  let c = 0;
  let fg = '';
  let bg = '';
  let saved = { r: 0, c: 0 };
  const re = /\x1b\[([\d;?]*)([A-Za-z])|\x1b([78])|\x1b.|(\r)|(\n)|([^\x1b\r\n])/gsu;
  for (const m of text.matchAll(re)) {
    if (m[2]) {
      const params = m[1] ?? '';
      if (m[2] === 'H') {
        const [row, col] = params.split(';').map((n) => Number(n || 1));
        r = (row ?? 1) - 1;
        c = (col ?? 1) - 1;
      } else if (m[2] === 'm') {
        const p = (params || '0').split(';').map(Number);
        for (let i = 0; i < p.length; i++) {
          if (p[i] === 0) fg = bg = '';
          else if (p[i] === 38 && p[i + 1] === 2) (fg = p.slice(i + 2, i + 5).join(',')), (i += 4);
          else if (p[i] === 48 && p[i + 1] === 2) (bg = p.slice(i + 2, i + 5).join(',')), (i += 4);
        }
      }
    } else if (m[3] === '7') saved = { r, c };
    else if (m[3] === '8') ({ r, c } = saved);
    else if (m[4]) c = 0;
    else if (m[5]) r = Math.min(rows - 1, r + 1);
    else if (m[6]) {
      if (r < rows && c < cols) grid[r]![c] = { ch: m[6], fg, bg };
      c++;
    }
  }
  return grid;
}

/** "r,g,b" → numbers. */
export function rgb(colour: string): [number, number, number] {
  const [r = 0, g = 0, b = 0] = colour.split(',').map(Number);
  return [r, g, b];
}
