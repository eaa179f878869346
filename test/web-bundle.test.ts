// The built web app: one small entry script; hls.js only in its own chunk, fetched on demand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from './support/repo-root.js';

const web = join(repoRoot(), 'dist', 'web');
/** The budget the README states for the gzipped main bundle. */
const BUDGET = 150 * 1024;

test('web bundle: entry under budget, hls.js split out and not preloaded', (t) => {
  const html = readFileSync(join(web, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(scripts.length, 1, 'one entry script');
  assert.doesNotMatch(html, /hls-/, 'index.html neither loads nor preloads hls.js');
  const entry = readFileSync(join(web, scripts[0]!), 'utf8');
  const entryGz = gzipSync(entry, { level: 9 }).length;
  const assets = readdirSync(join(web, 'assets'));
  const hls = assets.find((f) => /^hls-[\w-]+\.js$/.test(f));
  assert.ok(hls, `an hls.js chunk among ${assets.join(', ')}`);
  assert.ok(entry.includes(hls), 'the entry imports the chunk by name (dynamically)');
  assert.ok(!entry.includes('manifestLoadError'), 'no hls.js code in the entry');
  const hlsGz = gzipSync(readFileSync(join(web, 'assets', hls)), { level: 9 }).length;
  t.diagnostic(`entry ${(entryGz / 1024).toFixed(1)} KB gzipped; hls.js chunk ${(hlsGz / 1024).toFixed(1)} KB gzipped`);
  assert.ok(entryGz < BUDGET, `entry is ${entryGz} bytes gzipped; budget ${BUDGET}`);
});
