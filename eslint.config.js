import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/results/', 'data/'] },
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
