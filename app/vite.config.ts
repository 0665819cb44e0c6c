import { defineConfig } from 'vite';

// The build lands in the workspace's target/ (beside the programs and binaries), where the
// oracle serves it from (`app_dir`); config.json is written there by scripts/localnet.sh. Two
// pages: the owner's devices (index.html) and the network (network.html), paths from app/.
export default defineConfig({
  base: './',
  build: {
    outDir: '../target/app',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { devices: 'index.html', network: 'network.html' } },
    // MapLibre (basemap.ts, about 1 MB) is loaded only where config.json names map tiles.
    chunkSizeWarningLimit: 1200,
  },
});
