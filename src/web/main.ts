import { App } from './app.js';
import { IdbStore } from './idb.js';

const root = document.getElementById('app')!;
IdbStore.open('sealcast')
  .then((idb) => new App(root, idb).start())
  .catch((e: unknown) => {
    root.textContent = `sealcast could not start: ${e instanceof Error ? e.message : String(e)}`;
  });
