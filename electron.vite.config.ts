import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { metaContentSecurityPolicy } from './src/shared/content-security-policy';

/** The page's <meta> policy from the one the studio sends as a header (src/shared/content-security-policy.ts). */
const contentSecurityPolicy = {
  name: 'latent-studio-content-security-policy',
  transformIndexHtml: (html: string) => {
    if (!html.includes('%LATENT_STUDIO_CSP%')) throw new Error('src/renderer/index.html has no %LATENT_STUDIO_CSP% to fill');
    return html.replace('%LATENT_STUDIO_CSP%', metaContentSecurityPolicy);
  },
};

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        // The training worker is a second entry: Electron starts it with utilityProcess.fork.
        input: { index: resolve('src/main/index.ts'), worker: resolve('src/core/worker/main.ts') },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // Sandboxed preloads cannot be ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    build: { rollupOptions: { input: { index: resolve('src/renderer/index.html') } } },
    plugins: [svelte(), contentSecurityPolicy],
  },
});
