// ESLint flat config: type-checked rules everywhere, plus the layer import bans of
// DESIGN.md ("each layer imports only from the layers above it") so they cannot rot.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node built-ins other than node:buffer, for the pure layers. */
const nodeBuiltinsExceptBuffer = {
  regex: '^node:(?!buffer$)',
  message: 'codec and topic are pure: only node:buffer may be imported',
};

/** A folder's import bans, as `no-restricted-imports` patterns. */
function layer(files, patterns) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

const outsideOf = (...allowed) => ({
  // Relative imports that climb out of src/<layer>/ into a layer not in `allowed`.
  regex: `^\\.\\./(?!(${allowed.join('|')})/)[^.]`,
  message: `this layer may import only from: ${allowed.join(', ') || 'itself'}`,
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'use an `as const` object (erasableSyntaxOnly)' },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  layer(['src/codec/**'], [nodeBuiltinsExceptBuffer, outsideOf()]),
  layer(['src/topic/**'], [nodeBuiltinsExceptBuffer, outsideOf('codec')]),
  layer(['src/transport/**'], [outsideOf()]),
  layer(['src/persistence/**'], [outsideOf('codec')]),
  layer(['src/broker/**'], [outsideOf('codec', 'topic', 'transport', 'persistence', 'hooks')]),
  layer(['src/client/**'], [outsideOf('codec', 'topic', 'transport', 'persistence')]),
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'only src/cli/ may exit the process' },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] }],
    },
  },
);
