#!/usr/bin/env node
// Entry point of the `sealcast` command; the TypeScript sources compile to dist/.
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`sealcast: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
