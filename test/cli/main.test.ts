/** The `stratum` entry point: help, version, and words that name no command. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli.js';

describe('stratum', () => {
  it('prints its version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(await cli(flag)).toEqual({ code: 0, out: `stratum ${version}\n`, err: '' });
  });

  it('gives a command\'s help for `help <command>`, as `<command> --help` does', async () => {
    for (const name of [['generate'], ['source', 'freshness']]) {
      const asked = await cli('help', ...name);
      expect(asked.code).toBe(0);
      expect(asked.out).toMatch(new RegExp(`^Usage: stratum ${name.join(' ')} \\[flags\\]`));
      expect(asked).toEqual(await cli(...name, '--help'));
    }
    const top = await cli('help');
    expect(top.out).toMatch(/^Usage: stratum <command> \[flags\]/);
    expect(top.out).toContain("'stratum help <command>'");
  });

  it('names a word that is no command in one line, with exit code 2', async () => {
    expect(await cli('frobnicate')).toEqual({ code: 2, out: '', err: "Error: stratum: unknown command 'frobnicate' (see stratum --help)\n" });
    expect(await cli('help', 'frobnicate')).toEqual({ code: 2, out: '', err: "Error: stratum: unknown command 'frobnicate' (see stratum --help)\n" });
    expect(await cli('help', 'generate', 'more')).toEqual({ code: 2, out: '', err: "Error: stratum: unknown command 'generate more' (see stratum --help)\n" });
  });

  it('lists the subcommands of a group named alone', async () => {
    expect(await cli('source')).toEqual({ code: 2, out: '', err: "Error: stratum source: name a subcommand: 'stratum source freshness' (see stratum --help)\n" });
  });
});
