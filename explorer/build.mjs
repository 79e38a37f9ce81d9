// Bundles the explorer into roqmock/http/explorer/static/, which the wheel ships (it is not in git).
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const outdir = fileURLToPath(new URL('../roqmock/http/explorer/static/', import.meta.url));
const common = {
  bundle: true,
  minify: true,
  outdir,
  legalComments: 'eof', // the licences of what is bundled stay inside each file
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};

rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  ...common,
  entryPoints: { explorer: 'src/main.js' },
  format: 'esm',
  loader: { '.ttf': 'dataurl' }, // Monaco's icon font, inside the CSS
});
await esbuild.build({
  ...common,
  entryPoints: {
    'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
    'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
    'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
  },
  format: 'iife',
});
