// Builds the web app (src/web) into dist/web, served by the sealcast server at /.
import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/**
 * The crypto, protocol and client modules must run unchanged in browsers: fail the
 * build when anything in the bundle imports a Node built-in.
 */
function noNodeBuiltins() {
  const SHIM = '\0sealcast-webcrypto-shim';
  return {
    name: 'sealcast-no-node-builtins',
    enforce: 'pre',
    resolveId(source, importer) {
      // @hpke/common falls back to `await import("crypto")` only when globalThis.crypto is
      // missing, which never happens in a browser: point that one import at WebCrypto itself.
      if (source === 'crypto' && importer?.includes('/node_modules/@hpke/')) return SHIM;
      if (NODE_BUILTINS.has(source)) {
        throw new Error(`browser bundle imports the Node built-in "${source}" from ${importer ?? '?'}`);
      }
      return null;
    },
    load(id) {
      if (id === SHIM) return 'export const webcrypto = globalThis.crypto; export default { webcrypto };';
      return null;
    },
  };
}

export default defineConfig({
  root: 'src/web',
  base: '/',
  publicDir: false,
  plugins: [noNodeBuiltins()],
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: true,
    rollupOptions: {
      output: {
        // hls.js in its own file, loaded only when a browser lacks native HLS.
        manualChunks(id) {
          if (id.includes('node_modules/hls.js')) return 'hls';
          return undefined;
        },
      },
    },
  },
  logLevel: 'warn',
});
