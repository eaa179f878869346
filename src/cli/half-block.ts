/**
 * Pictures as terminal text: each character cell shows two pixels stacked, with
 * "▀" (upper half block) whose foreground is the upper pixel and background the
 * lower one, both in 24-bit colour (SGR 38;2 / 48;2). Cells are about twice as
 * tall as wide, so the pixels come out about square. Pure code: frames in,
 * escape strings out.
 */

/** A packed RGB24 picture (what ffmpeg's `-pix_fmt rgb24 -f rawvideo` writes). */
export interface RgbImage {
  width: number;
  height: number;
  /** width × height × 3 bytes, row by row. */
  data: Uint8Array;
}

/** The upper half block: foreground paints the top pixel, background the bottom one. */
export const HALF_BLOCK = '\u2580';

/**
 * The largest cols × rows of cells that shows a w × h picture with its aspect
 * inside maxCols × maxRows (a cell is 1 pixel wide and 2 tall). 0 × 0 when nothing fits.
 */
export function fitCells(w: number, h: number, maxCols: number, maxRows: number): { cols: number; rows: number } {
  if (!(w > 0 && h > 0) || maxCols < 1 || maxRows < 1) return { cols: 0, rows: 0 };
  let cols = Math.floor(maxCols);
  let rows = Math.round((cols * h) / w / 2);
  if (rows > maxRows) {
    rows = Math.floor(maxRows);
    cols = Math.min(cols, Math.round((rows * 2 * w) / h));
  }
  return { cols: Math.max(1, cols), rows: Math.max(1, rows) };
}

/** For each output index, the [start, end) source indices it covers (at least one). */
function spans(src: number, dst: number): Int32Array {
  const out = new Int32Array(dst * 2);
  for (let i = 0; i < dst; i++) {
    const a = Math.min(src - 1, Math.floor((i * src) / dst));
    out[2 * i] = a;
    out[2 * i + 1] = Math.max(a + 1, Math.floor(((i + 1) * src) / dst));
  }
  return out;
}

/**
 * Resamples to width × height. Shrinking averages every source pixel an output
 * pixel covers (a box filter: no shimmering from skipped pixels); enlarging
 * repeats the nearest pixel.
 */
export function resize(src: RgbImage, width: number, height: number): RgbImage {
  if (src.width === width && src.height === height) return src;
  const data = new Uint8Array(width * height * 3);
  const xs = spans(src.width, width);
  const ys = spans(src.height, height);
  for (let y = 0; y < height; y++) {
    const y0 = ys[2 * y]!;
    const y1 = ys[2 * y + 1]!;
    for (let x = 0; x < width; x++) {
      const x0 = xs[2 * x]!;
      const x1 = xs[2 * x + 1]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = y0; sy < y1; sy++) {
        let p = (sy * src.width + x0) * 3;
        for (let sx = x0; sx < x1; sx++, p += 3) {
          r += src.data[p]!;
          g += src.data[p + 1]!;
          b += src.data[p + 2]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 3;
      data[o] = Math.round(r / n);
      data[o + 1] = Math.round(g / n);
      data[o + 2] = Math.round(b / n);
    }
  }
  return { width, height, data };
}

/**
 * A rectangle of cells on the screen that pictures are painted into. It remembers
 * what it last painted, so each paint sends only the cells whose colours moved by
 * more than `tolerance` (per channel): video changes little from frame to frame,
 * and terminals are slow to draw.
 */
export class HalfBlockCanvas {
  /** Colours on screen: per cell, upper RGB then lower RGB. */
  private shown: Uint8Array | undefined;

  /** `top` and `left` are 1-based screen coordinates of the first cell. */
  constructor(
    readonly cols: number,
    readonly rows: number,
    readonly top: number,
    readonly left: number,
    private readonly tolerance = 0,
  ) {}

  /** Forget what is on screen: the next paint redraws every cell. */
  invalidate(): void {
    this.shown = undefined;
  }

  /**
   * The escape string that brings the canvas to `image`, which must be cols ×
   * (2·rows or 2·rows − 1) pixels (a missing last pixel row is black). Ends with
   * SGR 0 so text printed afterwards has default colours.
   */
  paint(image: RgbImage): string {
    if (image.width !== this.cols || (image.height !== this.rows * 2 && image.height !== this.rows * 2 - 1)) {
      throw new Error(`expected a ${this.cols}x${this.rows * 2} image, got ${image.width}x${image.height}`);
    }
    const first = !this.shown;
    const shown = (this.shown ??= new Uint8Array(this.cols * this.rows * 6));
    const tol = first ? -1 : this.tolerance;
    const px = image.data;
    const out: string[] = [];
    let fg = -1;
    let bg = -1;
    let atRow = -1;
    let atCol = -1;
    for (let y = 0; y < this.rows; y++) {
      const upperRow = 2 * y * this.cols * 3;
      const hasLower = 2 * y + 1 < image.height;
      const lowerRow = (2 * y + 1) * this.cols * 3;
      for (let x = 0; x < this.cols; x++) {
        const u = upperRow + x * 3;
        const l = lowerRow + x * 3;
        const ur = px[u]!, ug = px[u + 1]!, ub = px[u + 2]!;
        const lr = hasLower ? px[l]! : 0, lg = hasLower ? px[l + 1]! : 0, lb = hasLower ? px[l + 2]! : 0;
        const s = (y * this.cols + x) * 6;
        if (
          Math.abs(shown[s]! - ur) <= tol && Math.abs(shown[s + 1]! - ug) <= tol && Math.abs(shown[s + 2]! - ub) <= tol &&
          Math.abs(shown[s + 3]! - lr) <= tol && Math.abs(shown[s + 4]! - lg) <= tol && Math.abs(shown[s + 5]! - lb) <= tol
        ) continue;
        shown[s] = ur; shown[s + 1] = ug; shown[s + 2] = ub;
        shown[s + 3] = lr; shown[s + 4] = lg; shown[s + 5] = lb;
        if (atRow !== y || atCol !== x) out.push(`\x1b[${this.top + y};${this.left + x}H`);
        const f = (ur << 16) | (ug << 8) | ub;
        const b = (lr << 16) | (lg << 8) | lb;
        if (f !== fg && b !== bg) out.push(`\x1b[38;2;${ur};${ug};${ub};48;2;${lr};${lg};${lb}m`);
        else if (f !== fg) out.push(`\x1b[38;2;${ur};${ug};${ub}m`);
        else if (b !== bg) out.push(`\x1b[48;2;${lr};${lg};${lb}m`);
        fg = f;
        bg = b;
        out.push(HALF_BLOCK);
        atRow = y;
        atCol = x + 1;
      }
    }
    if (out.length > 0) out.push('\x1b[0m');
    return out.join('');
  }
}
