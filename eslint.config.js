import { dirname, relative, resolve } from 'node:path';
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeOnly = ['node:*', 'electron', 'better-sqlite3', '@tensorflow/*', 'sharp', 'ws'];

/** Where code runs is visible in the tree: each folder may import only what its runtime has. */
const boundary = (files, patterns, message, others = []) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: [...patterns.map((group) => ({ group: [group], message })), ...others] }],
  },
});

const src = resolve(import.meta.dirname, 'src');

/**
 * The layers of src, bottom up. A file imports from its own layer and those below it, never from one above: an
 * allowlist by rank, checked on the resolved path (so `./model` from a spec is caught as well as `../../core/x`).
 * The renderer sees the contract only: shared and the families' specs. The analysis is a leaf of pure metrics over
 * arrays (no tfjs, no families, see its boundary below), so it sits below the families' models: DEC and IDEC place
 * their centres with its k-means and report its clustering accuracy.
 */
const layers = [
  { name: 'shared', test: (p) => p.startsWith('shared/') },
  {
    name: 'families/spec',
    test: (p) => /^families\/(?:[^/]+\/spec|specs|family-spec|common-spec|layers|memory|run-config)(?:\.ts)?$/.test(p),
  },
  { name: 'ml', test: (p) => p.startsWith('ml/') },
  { name: 'analysis', test: (p) => p.startsWith('analysis/') },
  { name: 'families/model', test: (p) => p.startsWith('families/') },
  { name: 'core', test: (p) => p.startsWith('core/') },
  { name: 'host/main/cli', test: (p) => /^(?:host|main|cli|preload)\//.test(p) },
];
const rendererSees = new Set(['shared', 'families/spec']);

/** The layer of a path inside src (`renderer` for the renderer), or null outside src. */
function layerOf(path) {
  const p = relative(src, path).split('\\').join('/');
  if (p.startsWith('..')) return null;
  if (p.startsWith('renderer/')) return { name: 'renderer', rank: Infinity };
  const rank = layers.findIndex((l) => l.test(p));
  return rank < 0 ? null : { name: layers[rank].name, rank };
}

const layerRule = {
  meta: {
    type: 'problem',
    schema: [],
    messages: { up: '{{from}} may not import {{to}} ({{spec}}): layers import downward only, {{order}}.' },
  },
  create(context) {
    const from = layerOf(context.filename);
    if (!from) return {};
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = layerOf(resolve(dirname(context.filename), spec));
      if (!to || to.name === from.name) return;
      const allowed = from.name === 'renderer' ? rendererSees.has(to.name) : to.rank < from.rank;
      if (!allowed) {
        const order = `${layers.map((l) => l.name).join(' → ')}; the renderer sees shared and families/spec`;
        context.report({ node, messageId: 'up', data: { from: from.name, to: to.name, spec, order } });
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default tseslint.config(
  { ignores: ['out/', 'node_modules/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname, extraFileExtensions: ['.svelte'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // The API contract is async; many handlers are synchronous SQLite reads and need no await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { globals: { ...globals.browser }, parserOptions: { parser: tseslint.parser } },
    // No stores to access (src/renderer may not import svelte/store, below).
    rules: { 'svelte/require-store-reactive-access': 'off' },
  },
  { files: ['src/renderer/**/*'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['tests/**/*.ts', 'src/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // Tests exercise layers together (a family's test may run the core's trainer); source files keep to their layer.
    files: ['src/**/*.ts', 'src/**/*.svelte'],
    ignores: ['src/**/*.test.ts', 'src/**/*.check.ts'],
    plugins: { latent: { rules: { layers: layerRule } } },
    rules: {
      'latent/layers': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='tf'][property.name=/^(randomNormal|truncatedNormal)$/]",
          message: 'tfjs takes seed 0 for no seed in its Gaussian generator: use gaussian() from src/ml/ops.ts.',
        },
      ],
    },
  },
  boundary(
    ['src/shared/**/*'],
    [...nodeOnly, '**/core/**', '**/renderer/**', '**/main/**', 'svelte*'],
    'src/shared is the contract: zod schemas and types only.',
  ),
  boundary(
    [
      'src/families/*/spec.ts',
      'src/families/specs.ts',
      'src/families/family-spec.ts',
      'src/families/common-spec.ts',
      'src/families/layers.ts',
      'src/families/run-config.ts',
    ],
    [...nodeOnly, '**/core/**'],
    'A family spec is schema only; tfjs lives in model.ts.',
  ),
  boundary(
    ['src/analysis/**/*'],
    [...nodeOnly, '**/core/**', '**/renderer/**', '**/main/**', '**/host/**', '**/families/**'],
    'A metric is a pure function of arrays: no tfjs, no store, no workers.',
  ),
  boundary(
    ['src/core/**/*'],
    ['electron', '**/renderer/**', '**/main/**', '**/host/**'],
    'The core is pure Node: no Electron, no transports.',
  ),
  boundary(
    ['src/renderer/**/*'],
    [...nodeOnly, '**/core/**', '**/main/**', '**/host/**', '**/families/models', '**/families/*/model'],
    'The renderer knows only the contract.',
    // Its state is runes ($state, $derived): the stores' access rule, a tenth of ESLint's time on it, is off.
    [{ group: ['svelte/store'], message: 'The renderer keeps its state in runes ($state, $derived), not stores.' }],
  ),
  boundary(
    ['src/host/**/*', 'src/cli/**/*'],
    ['electron', '**/renderer/**', '**/main/**'],
    'The headless host and the CLI run without Electron.',
  ),
);
