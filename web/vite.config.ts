// The console is served by `jic serve` at / (src/api/static_files.cc): hashed
// files under assets/ are cached for a year, index.html is revalidated.
// Nothing may load from another origin (the server's Content-Security-Policy
// says so too): every asset is bundled here.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // `npm run dev` against a running center: JIC_URL=http://127.0.0.1:8080
    proxy: {
      '/v1': { target: process.env.JIC_URL ?? 'http://127.0.0.1:8080', changeOrigin: false },
      '/healthz': { target: process.env.JIC_URL ?? 'http://127.0.0.1:8080' },
    },
  },
});
