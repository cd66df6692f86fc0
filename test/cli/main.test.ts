/** The `stratum` entry point: help, version, and words that name no command. */
import { spawnSync } from 'node:child_process';
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
      // as git and npm do, `--help <command>` and `-h <command>` are the same
      expect(await cli('--help', ...name)).toEqual(asked);
      expect(await cli('-h', ...name)).toEqual(asked);
    }
    // flags after the command are the command's, as with `<command> ... --help`
    expect(await cli('help', 'generate', '--days', '3')).toEqual(await cli('generate', '--help'));
    expect(await cli('--help', 'run', '-s', 'x')).toEqual(await cli('run', '--help'));
    expect(await cli('help', 'source', 'freshness', '--json')).toEqual(await cli('source', 'freshness', '--help'));
    expect(await cli('help', 'generate', '--dya', '3')).toEqual({ code: 2, out: '', err: "Error: stratum generate: unknown flag '--dya'; did you mean '--day'? (see stratum generate --help)\n" });
    const top = await cli('help');
    expect(top.out).toMatch(/^Usage: stratum <command> \[flags\]/);
    expect(top.out).toContain("'stratum help <command>'");
  });

  it("states each command's exit codes in its help", async () => {
    const { commands } = await import('../../src/cli/commands.js');
    for (const c of commands) {
      const help = (await cli(...c.name.split(' '), '--help')).out.replace(/\s+/g, ' ');
      expect(help, c.name).toMatch(/Exit codes: (0 |as the command)/);
      expect(help, c.name).toMatch(/ 2 /);
      // and the 2 of bad usage is among them, not elsewhere in the help
      expect(help.slice(help.indexOf('Exit codes:')), c.name).toMatch(/[:;,] 2 /);
    }
  });

  it('names a word that is no command in one line, with exit code 2', async () => {
    expect(await cli('frobnicate')).toEqual({ code: 2, out: '', err: "Error: stratum: unknown command 'frobnicate' (see stratum --help)\n" });
    expect(await cli('help', 'frobnicate')).toEqual({ code: 2, out: '', err: "Error: stratum: unknown command 'frobnicate' (see stratum --help)\n" });
    expect(await cli('help', 'generate', 'more')).toEqual({ code: 2, out: '', err: "Error: stratum: unknown command 'generate more' (see stratum --help)\n" });
  });

  it('suggests the command or flag closest to a mistyped one', async () => {
    const err = async (...argv: string[]) => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      return r.err;
    };
    expect(await err('gen')).toBe("Error: stratum: unknown command 'gen'; did you mean 'stratum generate'? (see stratum --help)\n");
    // the command as typed is its words, without the flags after them
    expect(await err('generat', '--out', 'x', '--day', '2024-03-01')).toBe("Error: stratum: unknown command 'generat'; did you mean 'stratum generate'? (see stratum --help)\n");
    expect(await err('source', 'freshnes', '--select', 'x')).toBe("Error: stratum: unknown command 'source freshnes'; did you mean 'stratum source freshness'? (see stratum source --help)\n");
    expect(await err('genrate', '--day', '2024-01-01')).toContain("did you mean 'stratum generate'?");
    expect(await err('tset')).toContain("did you mean 'stratum test'?");
    expect(await err('sourc', 'freshness')).toContain("did you mean 'stratum source freshness'?");
    expect(await err('--bogus')).toBe("Error: stratum: unknown flag '--bogus' (see stratum --help)\n");
    expect(await err('generate', '--dya', '2024-01-01')).toBe("Error: stratum generate: unknown flag '--dya'; did you mean '--day'? (see stratum generate --help)\n");
    expect(await err('generate', '--sed=3')).toContain("unknown flag '--sed'; did you mean '--seed'?");
    expect(await err('run', '--selct', 'x')).toContain("did you mean '--select'?");
    // nothing close: no guess
    expect(await err('generate', '--x')).toBe("Error: stratum generate: unknown flag '--x' (see stratum generate --help)\n");
  });

  it('refuses a one-value flag given twice, and a short flag written with =', async () => {
    expect(await cli('generate', '--day', '2024-01-10', '--day', '2024-01-11')).toEqual({ code: 2, out: '', err: 'Error: stratum generate: --day is given twice; give it once (see stratum generate --help)\n' });
    expect((await cli('start', '--out', 'a', '--out=b')).err).toBe('Error: stratum start: --out is given twice; give it once (see stratum start --help)\n');
    expect((await cli('run', '--target', 'a', '-t', 'b')).err).toContain('--target is given twice');
    expect((await cli('generate', '-q=1')).err).toBe("Error: stratum generate: '-q=1' is not a flag: write '-q' (or '--quiet'), which takes no value (see stratum generate --help)\n");
    expect((await cli('run', '-s=x')).err).toBe("Error: stratum run: '-s=x' is not a flag: write '-s SELECTOR' or '--select=SELECTOR' (see stratum run --help)\n");
  });

  it('gives a group its help, and suggests its subcommand', async () => {
    for (const argv of [['source', '--help'], ['source', '-h'], ['help', 'source'], ['--help', 'source']]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out).toMatch(/^Usage: stratum source <command> \[flags\]\n\nCommands:\n  freshness  Check the sources' freshness/);
    }
    expect(await cli('source', 'freshnes')).toEqual({ code: 2, out: '', err: "Error: stratum: unknown command 'source freshnes'; did you mean 'stratum source freshness'? (see stratum source --help)\n" });
    expect((await cli('source', 'bogus')).err).toBe("Error: stratum: unknown command 'source bogus' (see stratum source --help)\n");
  });

  it('lists the subcommands of a group named alone', async () => {
    expect(await cli('source')).toEqual({ code: 2, out: '', err: "Error: stratum source: name a subcommand: 'stratum source freshness' (see stratum --help)\n" });
  });

  it('loads neither DuckDB nor the project stack to list its commands and their flags', () => {
    // help, did-you-mean and flag errors need only the commands' declarations; each command loads
    // its engine when it runs (DuckDB, nunjucks and the project loader: some 0.35 s of every start)
    const script = `import { register } from 'tsx/esm/api';
      import { createRequire } from 'node:module';
      register();
      const { main } = await import('./src/cli/main.ts');
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = process.stderr.write = () => true;
      for (const argv of [['--help'], ['generate', '--help'], ['build', '--help'], ['compile', '--nope']]) await main(argv);
      write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    const loaded = (JSON.parse(child.stdout) as string[]).map((f) => f.replace(/\\/g, '/'));
    expect(loaded.length).toBeGreaterThan(0);
    for (const heavy of ['/@duckdb/', '/nunjucks/']) expect(loaded.filter((f) => f.includes(heavy)), heavy).toEqual([]);
  });

  it('stops at once with exit 130 on a second signal, also once the cancelled work has ended', () => {
    // a cancelled run ends (dispose) and the process winds down to exit 130: a second Ctrl-C in
    // that time must still run the exit handlers and give 130, not kill the process
    const script = `import { register } from 'tsx/esm/api';
      register();
      const { cancelOnSignals } = await import('./src/cli/command.ts');
      process.on('exit', (code) => process.stdout.write('exit handler ' + code + '\\n'));
      const cancel = cancelOnSignals('cancelling');
      process.kill(process.pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 100));
      process.stdout.write('aborted ' + cancel.signal.aborted + '\\n');
      cancel.dispose();
      process.kill(process.pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 2000));
      process.stdout.write('not stopped\\n');`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect({ status: child.status, signal: child.signal, out: child.stdout, err: child.stderr })
      .toEqual({ status: 130, signal: null, out: 'aborted true\nexit handler 130\n', err: '\ncancelling\n\nStopping now.\n' });
  });

  it('cancels the innermost scope only, with its notice; once that one is closed, the one around it', () => {
    // main opens a scope around every command; generate and build open their own inside it
    const run = (body: string) => {
      const script = `import { register } from 'tsx/esm/api';
        register();
        const { cancelOnSignals } = await import('./src/cli/command.ts');
        const signalled = async () => { process.kill(process.pid, 'SIGINT'); await new Promise((r) => setTimeout(r, 100)); };
        ${body}`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      return { status: child.status, signal: child.signal, out: child.stdout, err: child.stderr };
    };
    expect(run(`const outer = cancelOnSignals('outer');
      const inner = cancelOnSignals('inner');
      await signalled();
      process.stdout.write(outer.signal.aborted + ' ' + inner.signal.aborted + '\\n');
      inner.dispose();
      await signalled();
      process.stdout.write('not stopped\\n');`)).toEqual({ status: 130, signal: null, out: 'false true\n', err: '\ninner\n\nStopping now.\n' });
    expect(run(`const outer = cancelOnSignals('outer');
      const inner = cancelOnSignals('inner');
      inner.dispose();
      await signalled();
      process.stdout.write(outer.signal.aborted + ' ' + inner.signal.aborted + '\\n');
      outer.dispose();`)).toEqual({ status: 0, signal: null, out: 'true false\n', err: '\nouter\n' });
    // a signal before a command opens its own scope (while it loads its project or rules): that
    // scope starts cancelled, and the work it guards stops at once, with no second notice
    expect(run(`const outer = cancelOnSignals('outer');
      await signalled();
      const inner = cancelOnSignals('inner');
      process.stdout.write(outer.signal.aborted + ' ' + inner.signal.aborted + '\\n');
      inner.dispose();
      outer.dispose();`)).toEqual({ status: 0, signal: null, out: 'true true\n', err: '\nouter\n' });
  });

  it("says in each command's help and in stratum --help that a signal stops it with exit 130", async () => {
    const { commands } = await import('../../src/cli/commands.js');
    for (const c of commands) {
      const help = (await cli(...c.name.split(' '), '--help')).out.replace(/\s+/g, ' ');
      expect(help.slice(help.indexOf('Exit codes:')), c.name).toMatch(/[:;,] 130 cancelled/);
    }
    expect((await cli('--help')).out.replace(/\s+/g, ' ')).toContain('Every command stops on Ctrl-C, SIGTERM or SIGHUP with exit code 130');
  });

  it('wraps the cancel notice to a terminal\'s width', () => {
    // generate's notice is 92 columns: an 80-column terminal cut it inside a word
    const script = `import { register } from 'tsx/esm/api';
      register();
      const { cancelOnSignals } = await import('./src/cli/command.ts');
      const { GENERATE_CANCEL_NOTICE } = await import('./src/cli/generate.ts');
      const cancel = cancelOnSignals(GENERATE_CANCEL_NOTICE, 80);
      process.kill(process.pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 100));
      cancel.dispose();`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('\nCancelling: finishing no new day, removing the staging folder (Ctrl-C again to\nstop at once)\n');
  });
});
