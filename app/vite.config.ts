import { defineConfig } from 'vite';

// The build lands in the workspace's target/ (beside the programs and binaries), where the
// oracle serves it from (`app_dir`); config.json is written there by scripts/localnet.sh.
export default defineConfig({
  base: './',
  build: { outDir: '../target/app', emptyOutDir: true, target: 'es2022' },
});
