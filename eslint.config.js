// Lint: TypeScript recommended rules, plus the one architectural rule of DESIGN.md §1:
// src/ and generator/ never import the UI (ink, react, views/), statically or with import().
import tseslint from 'typescript-eslint';

const uiMessage = 'src/ and generator/ must not import the UI; render in views/.';
const viewsMessage = 'src/ and generator/ must not import views/; views import src, never the reverse.';

const uiImports = {
  patterns: [
    { group: ['ink', 'ink-*', '@inkjs/*', 'react', 'react/*', 'react-dom'], message: uiMessage },
    { group: ['**/views/**', '**/views'], message: viewsMessage },
  ],
};

// the same modules loaded with import('…'), a string or a template without ${} (require() is
// forbidden anyway); the name matches these (esquery regexes cannot hold a `/`, hence \x2F)
const uiModule = String.raw`/^(ink|ink-[^\x2F]+|@inkjs\x2F.+|react|react-dom)(\x2F.*)?$/`;
const viewsModule = String.raw`/(^|\x2F)views(\x2F|$)/`;
const dynamicImport = (pattern, message) => [
  { selector: `ImportExpression > Literal.source[value=${pattern}]`, message },
  { selector: `ImportExpression > TemplateLiteral.source[expressions.length=0][quasis.0.value.cooked=${pattern}]`, message },
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tmp/**', 'raw/**', 'target/**', 'warehouse/**', 'test/fixtures/**/target/**', 'dist/**', 'generator/assembly/**', 'generator/wasmWorker.bundle.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.{ts,tsx,mts,cts}', 'generator/**/*.{ts,tsx,mts,cts}'],
    rules: {
      'no-restricted-imports': ['error', uiImports],
      'no-restricted-syntax': ['error', ...dynamicImport(uiModule, uiMessage), ...dynamicImport(viewsModule, viewsMessage)],
    },
  },
);
