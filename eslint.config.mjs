// ESLint flat config: type-checked rules everywhere, plus the layer import bans of
// DESIGN.md ("each layer imports only from the layers above it") so they cannot rot.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node built-ins other than node:buffer, for the pure layers. */
const nodeBuiltinsExceptBuffer = {
  regex: '^node:(?!buffer$)',
  message: 'codec, topic and collections are pure: only node:buffer may be imported',
};

/** A folder's import bans, as `no-restricted-imports` patterns. */
function layer(files, patterns) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

const LAYERS = [
  'codec',
  'topic',
  'transport',
  'broker',
  'persistence',
  'hooks',
  'client',
  'plugins',
  'config',
  'cli',
  'server',
  'index',
];

/** Relative imports that climb into a layer not in `allowed` (the layer's own files stay fine). */
const outsideOf = (self, ...allowed) => {
  const banned = LAYERS.filter((l) => l !== self && !allowed.includes(l));
  return {
    regex: `^(\\.\\./)+(${banned.join('|')})(/|\\.js$)`,
    message: `src/${self} may import only from: ${allowed.join(', ') || 'itself'} (DESIGN.md layers)`,
  };
};

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
      '@typescript-eslint/no-unnecessary-condition': [
        'error',
        { allowConstantLoopConditions: true },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'use an `as const` object (erasableSyntaxOnly)' },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
  },
  layer(['src/codec/**'], [nodeBuiltinsExceptBuffer, outsideOf('codec')]),
  layer(['src/topic/**'], [nodeBuiltinsExceptBuffer, outsideOf('topic', 'codec')]),
  layer(['src/transport/**'], [outsideOf('transport')]),
  layer(['src/hooks/**'], [outsideOf('hooks', 'codec')]),
  layer(['src/persistence/**'], [outsideOf('persistence', 'codec')]),
  // The broker sees only the transport's types; implementations are wired in src/server.ts.
  layer(
    ['src/broker/**'],
    [
      outsideOf('broker', 'collections', 'codec', 'topic', 'transport', 'persistence', 'hooks'),
      {
        regex: '^(\\.\\./)+transport/(?!types\\.js$)',
        message: 'the broker may import transport types only',
      },
    ],
  ),
  layer(
    ['src/client/**'],
    [outsideOf('client', 'collections', 'codec', 'topic', 'transport', 'persistence')],
  ),
  layer(['src/collections/**'], [nodeBuiltinsExceptBuffer, outsideOf('collections')]),
  // Tests of the pure layers may use the test runner and other node built-ins.
  layer(['src/codec/**/*.test.ts'], [outsideOf('codec')]),
  layer(['src/topic/**/*.test.ts'], [outsideOf('topic', 'codec')]),
  layer(['src/collections/**/*.test.ts'], [outsideOf('collections')]),
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
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
    },
  },
);
