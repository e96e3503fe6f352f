import { defineConfig } from 'vite';

// The gateway serves the build at /console and answers the API on the same origin; in
// `vite` and `vite preview` the API calls go to a gateway on :8080 (npm start).
const gateway = process.env.MERIDIAN_GATEWAY ?? 'http://127.0.0.1:8080';
const proxy = { '/v1': gateway, '/v2': gateway };

export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The polyfill is a script the strict CSP does not need: every browser we target has modulepreload.
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  server: { proxy },
  preview: { proxy },
});
