/** The lint rule of DESIGN.md §1: src/ and generator/ never import the UI, statically or not. */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

describe('the lint rule keeping the UI out of src/ and generator/', () => {
  it('catches static and dynamic ink, react and views imports in .tsx, .mts and .cts files', async () => {
    const eslint = new ESLint();
    const code = "import { Text } from 'ink';\nexport const a = Text;\nexport const b = import('react');\nexport const c = import(`@inkjs/ui`);\nexport const d = import('../views/app.js');\nexport const ok = import('node:fs');\n";
    for (const filePath of ['src/cli/lintCheck.tsx', 'generator/lintCheck.mts', 'src/lintCheck.cts']) {
      const [res] = await eslint.lintText(code, { filePath });
      const hits = res.messages.map((m) => `${m.line}:${m.ruleId}`);
      expect(hits, filePath).toEqual(['1:no-restricted-imports', '3:no-restricted-syntax', '4:no-restricted-syntax', '5:no-restricted-syntax']);
    }
  });
});
