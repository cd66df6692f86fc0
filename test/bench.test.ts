/** The bench scripts' command lines: --help, and one line for a bad flag (they run nothing then). */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const bench = (script: string, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', `bench/${script}`, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('bench scripts', () => {
  it.each([['generate.ts', 'bench:generate'], ['build.ts', 'bench:build']])('%s has --help and names a bad flag', (script, npmName) => {
    const help = bench(script, '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^Usage: npm run ${npmName} -- `));
    expect(help.stdout).toContain('--help');
    const bad = bench(script, '--bogus');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`bench/${script}: unknown flag '--bogus' (see bench/${script} --help)\n`);
  });

  it('checks its values before running anything', () => {
    expect(bench('generate.ts', '--scales', '1,x').stderr).toBe("bench/generate.ts: --scales must be a positive whole number, got 'x'\n");
    expect(bench('generate.ts', '--scales').stderr).toBe("bench/generate.ts: flag '--scales' needs a value (see bench/generate.ts --help)\n");
    expect(bench('build.ts', '--per-day', '0').stderr).toBe("bench/build.ts: --per-day must be a positive whole number, got '0'\n");
  });
});
