import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // the CLI fits its text to COLUMNS when set (src/cli/wrap.ts); tests expect the detected widths
    env: { COLUMNS: '' },
  },
});
