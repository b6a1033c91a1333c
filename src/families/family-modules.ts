import { delimiter, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Families from outside src/families (plug-ins, test fixtures) reach every process that needs them through one
 * environment variable: LATENT_STUDIO_FAMILY_MODULES lists module paths (absolute, or from the working directory,
 * separated like PATH), each of which calls `registerFamily(spec, model)` from ./models.ts when imported. The CLI
 * and the headless host, the Electron main process and each training worker import them at start; workers inherit
 * the variable from the studio that forks them. The modules run where the studio runs TypeScript through tsx (CLI, host, tests);
 * a packaged app would need them built to JavaScript.
 */
export const familyModulesVariable = 'LATENT_STUDIO_FAMILY_MODULES';

const loaded = new Set<string>();

const absolute = (entry: string) => (isAbsolute(entry) ? entry : resolve(entry));

/** The modules LATENT_STUDIO_FAMILY_MODULES names, as absolute paths. */
export function familyModules(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[familyModulesVariable] ?? '')
    .split(delimiter)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(absolute);
}

/** Imports every module LATENT_STUDIO_FAMILY_MODULES names (once each); a module that fails to load fails the start. */
export async function loadFamilyModules(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  for (const path of familyModules(env)) {
    if (loaded.has(path)) continue;
    try {
      await import(/* @vite-ignore */ pathToFileURL(path).href);
    } catch (e) {
      throw new Error(`${familyModulesVariable}: ${path} did not load: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    loaded.add(path);
  }
}

/**
 * Registers a family module in this process and names it in LATENT_STUDIO_FAMILY_MODULES, so the training workers
 * this process forks from now on load it too (what a test does to train a fixture family through real workers).
 */
export async function useFamilyModule(path: string): Promise<void> {
  const full = absolute(path);
  if (!familyModules().includes(full)) {
    process.env[familyModulesVariable] = [process.env[familyModulesVariable], full]
      .filter((s) => s !== undefined && s !== '')
      .join(delimiter);
  }
  await loadFamilyModules();
}
