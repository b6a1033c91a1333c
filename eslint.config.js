import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeOnly = ['node:*', 'electron', 'better-sqlite3', '@tensorflow/*', 'sharp', 'ws'];

/** Where code runs is visible in the tree: each folder may import only what its runtime has. */
const boundary = (files, patterns, message) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }] },
});

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
  ),
  boundary(
    ['src/host/**/*', 'src/cli/**/*'],
    ['electron', '**/renderer/**', '**/main/**'],
    'The headless host and the CLI run without Electron.',
  ),
);
