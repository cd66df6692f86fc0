/**
 * The checkout's layout of DESIGN.md §1, as a fresh clone has it: every folder is tracked by git,
 * those that later work fills (models/, macros/, views/) by a .gitkeep while they hold nothing else.
 */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('tracks every folder of the layout', () => {
  for (const dir of ['generator', 'seeds', 'models', 'macros', 'src', 'views', 'test', 'bench']) {
    const tracked = execFileSync('git', ['ls-files', '--', dir], { encoding: 'utf8' });
    expect(tracked.length, `${dir}/ has no file in git: a fresh clone has no ${dir}/`).toBeGreaterThan(0);
  }
});
