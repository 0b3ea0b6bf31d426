import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The web UI: React 19 built by Vite into dist/web, which the server serves (src/server/http/web-ui.ts).
 * `npm run dev:web` serves it with hot reload and proxies the API to a server on :3000.
 */
export default defineConfig({
  root: 'src/web',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    // Everything is served from our origin; no inline data: script or module preload polyfill needed.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
});
