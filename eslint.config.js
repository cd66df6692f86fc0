// Lint: TypeScript recommended rules, plus the one architectural rule of DESIGN.md §1:
// src/ and generator/ never import the UI (ink, react, views/).
import tseslint from 'typescript-eslint';

const uiImports = {
  patterns: [
    { group: ['ink', 'ink-*', '@inkjs/*', 'react', 'react/*', 'react-dom'], message: 'src/ and generator/ must not import the UI; render in views/.' },
    { group: ['**/views/**', '**/views'], message: 'src/ and generator/ must not import views/; views import src, never the reverse.' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.tmp/**', 'raw/**', 'target/**', 'warehouse/**', 'test/fixtures/**/target/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts', 'generator/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', uiImports] },
  },
);
