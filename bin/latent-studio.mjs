#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx latent-studio` works right after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv.slice(2));
