import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replay } from '../../test/support/ansi-screen.js';
import { fitCells, HALF_BLOCK, HalfBlockCanvas, resize, type RgbImage } from './half-block.js';

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { width, height, data };
}

const screen = replay;

test('fitCells keeps the aspect: a cell is one pixel wide and two tall', () => {
  assert.deepEqual(fitCells(1280, 720, 80, 24), { cols: 80, rows: 23 }); // 80 × 45 px ≈ 16:9
  assert.deepEqual(fitCells(1280, 720, 200, 30), { cols: 107, rows: 30 }); // limited by height
  assert.deepEqual(fitCells(640, 480, 40, 100), { cols: 40, rows: 15 });
  assert.deepEqual(fitCells(1280, 720, 0, 24), { cols: 0, rows: 0 });
  const tiny = fitCells(1920, 1080, 3, 1);
  assert.ok(tiny.cols >= 1 && tiny.cols <= 3 && tiny.rows === 1);
});

test('resize averages the pixels it shrinks, and repeats them when it enlarges', () => {
  // 4×2 picture: left half black/white checker, right half pure red.
  const src = image(4, 2, (x, y) => (x < 2 ? ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0]) : [255, 0, 0]));
  const half = resize(src, 2, 1);
  assert.deepEqual([...half.data], [128, 128, 128, 255, 0, 0]);
  const big = resize(image(1, 1, () => [10, 20, 30]), 3, 2);
  assert.deepEqual([...big.data], Array(6).fill([10, 20, 30]).flat());
  assert.equal(resize(src, 4, 2), src, 'same size: no copy');
});

test('a frame becomes half blocks with the upper pixel as foreground and the lower as background', () => {
  // 2×4 picture: rows red, green, blue, white → 2 columns × 2 cell rows.
  const colours: [number, number, number][] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]];
  const img = image(2, 4, (_, y) => colours[y]!);
  const canvas = new HalfBlockCanvas(2, 2, 3, 5);
  const text = canvas.paint(img);
  assert.ok(text.startsWith('\x1b[3;5H'), 'starts at the canvas origin');
  assert.ok(text.endsWith('\x1b[0m'), 'resets colours at the end');
  const cells = screen(text, 10, 6);
  for (const x of [4, 5]) {
    assert.deepEqual(cells[2]![x], { ch: HALF_BLOCK, fg: '255,0,0', bg: '0,255,0' });
    assert.deepEqual(cells[3]![x], { ch: HALF_BLOCK, fg: '0,0,255', bg: '255,255,255' });
  }
  // Colours are sent only when they change: one SGR per cell row here.
  assert.equal(text.match(/38;2/g)!.length, 2);
});

test('repainting sends only the cells that changed beyond the tolerance', () => {
  const grey = (v: number) => image(4, 2, () => [v, v, v]);
  const canvas = new HalfBlockCanvas(4, 1, 1, 1, 4);
  assert.equal(screen(canvas.paint(grey(100)), 4, 1).flat().filter((c) => c.ch === HALF_BLOCK).length, 4);
  assert.equal(canvas.paint(grey(103)), '', 'within tolerance: nothing to send');
  const one = image(4, 2, (x) => (x === 2 ? [200, 0, 0] : [100, 100, 100]));
  const text = canvas.paint(one);
  assert.equal(text.split(HALF_BLOCK).length - 1, 1, 'one cell redrawn');
  assert.ok(text.includes('\x1b[1;3H'), 'jumps straight to it');
  canvas.invalidate();
  assert.equal(canvas.paint(one).split(HALF_BLOCK).length - 1, 4, 'after invalidate: everything');
});

test('an odd pixel height leaves the last lower half black; a wrong size is refused', () => {
  const canvas = new HalfBlockCanvas(1, 2, 1, 1);
  const cells = screen(canvas.paint(image(1, 3, () => [9, 9, 9])), 1, 2);
  assert.deepEqual(cells[1]![0], { ch: HALF_BLOCK, fg: '9,9,9', bg: '0,0,0' });
  assert.throws(() => canvas.paint(image(2, 4, () => [0, 0, 0])), /expected a 1x4 image, got 2x4/);
});
