// Builds ROQ's chat UI into roqmock/http/chat/static/, which the wheel ships (it is not in git).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// @roq/ui-react's CSS imports the Urbanist font from Google Fonts (164 times): the page must load nothing
// it needs from the internet, so those imports go and the browser's fallback font is used. Its one
// webpack-only import ('~react-image-crop/...', placed where browsers ignore an @import) goes too.
const DROPPED_IMPORTS = /@import\s+(?:url\(\s*["']?https?:\/\/[^)]*\)|["']~[^"']*["'])\s*;?/g;

function dropImports() {
  return {
    name: 'roqmock-drop-css-imports',
    enforce: 'pre',
    transform(code, id) {
      if (!id.split('?')[0].endsWith('.css') || !DROPPED_IMPORTS.test(code)) return null;
      DROPPED_IMPORTS.lastIndex = 0;
      return { code: code.replace(DROPPED_IMPORTS, ''), map: null };
    },
  };
}

export default defineConfig({
  plugins: [dropImports(), react()],
  base: '/chat/',
  logLevel: 'warn',
  // ROQ's CSS misspells two properties ("pading"); its own bug, harmless, and not ours to fix.
  esbuild: { logOverride: { 'unsupported-css-property': 'silent' } },
  build: {
    outDir: fileURLToPath(new URL('../roqmock/http/chat/static/', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 4096,
    // No HTML entry: roqmock writes the page (roqmock/http/chat/page.py) and stamps the asset URLs itself,
    // so the file names are fixed and one JS and one CSS file hold everything.
    cssCodeSplit: false,
    rollupOptions: {
      input: fileURLToPath(new URL('./src/main.jsx', import.meta.url)),
      output: {
        inlineDynamicImports: true,
        entryFileNames: 'assets/chat.js',
        assetFileNames: (asset) => (asset.name && asset.name.endsWith('.css') ? 'assets/chat.css' : 'assets/[name][extname]'),
      },
    },
  },
});
