import { App } from './app.js';
import { IdbStore } from './idb.js';

const root = document.getElementById('app')!;
IdbStore.open('sealcast')
  // ?player=hlsjs plays with hls.js even where the browser has its own HLS (for comparison, or when that misbehaves).
  .then((idb) => new App(root, idb, { preferHlsJs: new URLSearchParams(location.search).get('player') === 'hlsjs' }).start())
  .catch((e: unknown) => {
    root.textContent = `sealcast could not start: ${e instanceof Error ? e.message : String(e)}`;
  });
