// npm run lint: typescript-eslint and eslint-plugin-vue, Prettier for layout,
// and the rooms of docs/architecture.md as import rules, so crossing one fails.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

/** An import rule for a room: specifiers matching any of `banned` (regexes on the import path) are refused. */
function room(files, banned) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns: banned.map(([regex, message]) => ({ regex, message })) }],
    },
  };
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    rules: {
      // TypeScript checks names, with the DOM or Node types each tsconfig gives.
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
    },
  },
  // The rooms (docs/architecture.md).
  room(['renderer/**'], [['(^|/)electron(/|$)', 'The renderer never imports from electron/: it reaches the helper through its client.']]),
  room(
    ['electron/helper/**'],
    [
      ['^electron$', 'The helper is a plain Node program: no Electron.'],
      ['(^|/)(main|web|renderer)(/|$)', 'The helper never imports Electron main, the web bridge or the renderer.'],
    ],
  ),
  room(['shared/**'], [['^\\.\\./', 'shared/ is the contract: it imports nothing else of the project.']]),
  room(
    ['renderer/panels/**', 'renderer/components/**', 'renderer/graph/**'],
    [
      ['(^|/)electron(/|$)', 'The renderer never imports from electron/.'],
      ['^\\.\\./client(/|$)', 'Panels, components and the canvas never call the helper: go through actions.ts.'],
    ],
  ),
  room(
    ['renderer/stores/**'],
    [
      ['(^|/)electron(/|$)', 'The renderer never imports from electron/.'],
      ['^\\.\\./(client|request)(/|$)', 'Stores hold state: calls to the helper go through actions.ts and the one request function.'],
      ['^\\.\\./graph(/|$)', 'Stores never import the canvas: what both need lives in renderer/model.'],
    ],
  ),
  prettier,
);
