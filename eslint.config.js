import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'packages/*/dist/', 'node_modules/', 'bench/results/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // A module is used through its front door (index.ts); its other files are its own. Modules
    // do not depend on an interface (src/http, src/cli, src/console). docs/architecture.md.
    files: ['src/modules/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\.)[^/]+/(?!index\\.js$)[^/]+$',
              message:
                "Another module's internals: import its front door, ../<module>/index.js (docs/architecture.md).",
            },
            {
              regex: '^(\\.\\./)+(http|cli|console)/',
              message: 'A module does not depend on an interface (src/http, src/cli, src/console): they call it.',
            },
          ],
        },
      ],
    },
  },
  {
    // The interfaces and the app reach a module through its front door too.
    files: ['src/**/*.ts'],
    ignores: ['src/modules/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: 'modules/[^/]+/(?!index\\.js$)[^/]+$',
              message: "A module's internals: import its front door, modules/<module>/index.js (docs/architecture.md).",
            },
          ],
        },
      ],
    },
  },
  {
    // @patron/client is a package of its own, published without the server: it imports its own
    // files and its dependencies, never the repository's src/ (docs/architecture.md).
    files: ['packages/client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./',
              message: '@patron/client stands alone: import its own files (./…) and its dependencies only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests wait for a condition (test/helpers/wait.ts), never for a fixed time.
    files: ['test/**/*.ts'],
    ignores: ['test/helpers/wait.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        {
          name: 'setTimeout',
          message:
            'Wait for a condition with waitUntil (test/helpers/wait.ts); a slow peer on purpose is simulatedLatency.',
        },
        { name: 'setInterval', message: 'Wait for a condition with waitUntil (test/helpers/wait.ts).' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:timers/promises', 'timers/promises', 'node:timers', 'timers'].map((name) => ({
            name,
            message:
              'Wait for a condition with waitUntil (test/helpers/wait.ts); a slow peer on purpose is simulatedLatency.',
          })),
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
