/**
 * The checkout's layout of DESIGN.md §1, as a fresh clone has it: every folder is there, those that
 * later work fills (models/, macros/, views/) kept by a .gitkeep while they hold nothing else.
 */
import { existsSync, statSync } from 'node:fs';
import { expect, it } from 'vitest';

it('has every folder of the layout', () => {
  for (const dir of ['generator', 'seeds', 'models', 'macros', 'src', 'views', 'test', 'bench']) {
    expect(existsSync(dir) && statSync(dir).isDirectory(), `${dir}/ is missing from the checkout`).toBe(true);
  }
});
