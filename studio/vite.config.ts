import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/studio', import.meta.url));

/** Every text asset compressed once, at build time: brotli (best) and gzip files beside it, which the gateway sends as is. */
function precompress(): Plugin {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: 'muxgate-precompress',
    apply: 'build',
    closeBundle() {
      for (const path of walk(outDir)) {
        if (!/\.(html|js|css|svg|json|txt|map)$/.test(path)) continue;
        const body = readFileSync(path);
        writeFileSync(`${path}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
        writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root,
  base: '/studio/',
  // No dev server in production; `npm run dev:studio` proxies /graphql to a gateway on :8000.
  server: { proxy: { '/graphql': { target: 'http://localhost:8000', ws: true } } },
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    // Everything is a file of its own (CSP: script-src and style-src 'self', no inline code).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  plugins: [precompress()],
  logLevel: 'warn',
});
