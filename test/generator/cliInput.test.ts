/**
 * Bad input to `stratum generate`: empty flag values, dates outside what can be generated, and
 * lake folders that cannot be made, each one clear line with exit code 2. Also the tidying of
 * partitions a killed run left moved aside.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync, type PathLike, type RmOptions } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tryParseDay } from '../../generator/dates.js';
import { outOfMemory, writeFailure } from '../../generator/generate.js';
import type { TruthManifest } from '../../generator/lakeManifest.js';
import { finishUnfinishedRuns, prepareLakeFolder, releaseStaging, removeMadeFolders } from '../../generator/lakeFolder.js';
import { acquireLock, releaseLock } from '../../generator/lakeLock.js';
import { COMPANY_MODEL, loadRules, rulesFingerprint, SOURCE_NAMES } from '../../generator/rules.js';
import { instantiate, type LinesModule } from '../../generator/wasmLines.js';
import { LimitError, UsageError } from '../../src/errors.js';
import { sizeFlag } from '../../src/cli/command.js';
import { cli } from '../cli.js';
import { tempDir } from '../tempDir.js';
import { digest, prepareOnly } from './fixture.js';

const dir = tempDir('stratum-cli-input-');
const BIN = resolve('bin/stratum.js');

/** Runs `stratum generate` in-process, capturing stdout and stderr. */
const generateCli = (...argv: string[]) => cli('generate', ...argv);

/** Runs `stratum generate` as its own process (to see Node's warnings and any hang), in `cwd`. */
function generateProcess(args: string[], cwd = process.cwd(), as?: { uid: number; gid: number; env: NodeJS.ProcessEnv }) {
  return spawnSync(process.execPath, [BIN, 'generate', ...args], { cwd, encoding: 'utf8', timeout: 60_000, ...as });
}

/** Whether this process is root, who may write anywhere and signal any process. */
const asRoot = process.getuid?.() === 0;

/**
 * Runs `stratum generate` without root's privileges: as root, as its own process of the user
 * nobody (uid 65534), with HOME in `home`; otherwise in-process.
 */
async function generateUnprivileged(args: string[], home: string): Promise<{ code: number | null; err: string }> {
  if (!asRoot) {
    const r = await generateCli(...args);
    return { code: r.code, err: r.err };
  }
  const p = generateProcess(args, process.cwd(), { uid: 65534, gid: 65534, env: { ...process.env, HOME: home } });
  return { code: p.status, err: p.stderr };
}

describe('stratum generate rejects bad flag values', () => {
  it('rejects an empty value for any flag, naming it', async () => {
    for (const flag of ['--out', '--formats', '--rules', '--seed']) {
      // the bad date after it shows the empty value is caught first, before anything is generated
      const r = await generateCli(flag, '', '--day', '2023-06-01');
      expect(r.code, flag).toBe(2);
      expect(r.err).toBe(`Error: stratum generate: ${flag} must not be empty (see stratum generate --help)\n`);
    }
    const r = await generateCli('--out=', '--day', '2023-06-01');
    expect(r.err).toBe('Error: stratum generate: --out must not be empty (see stratum generate --help)\n');
  });

  it('quotes an out-of-range number as written', async () => {
    for (const [flag, value] of [['--scale', '99999999999999999999'], ['--scale', '0'], ['--days', '0'], ['--seed=-1', '']]) {
      const r = await generateCli(...(value ? [flag, value] : [flag]), '--out', join(dir, 'raw-never'));
      expect(r.code, flag).toBe(2);
      const [name, v] = value ? [flag, value] : flag.split('=');
      expect(r.err).toMatch(new RegExp(`^Error: stratum generate: ${name} must be between \\d+ and \\d+, got ${v}\n$`));
    }
    expect(existsSync(join(dir, 'raw-never'))).toBe(false);
  });

  it('reads --memory-limit in DuckDB\'s units (KB..TB by 1000, KiB..TiB by 1024), and rejects what is not a positive size', async () => {
    const bytes = (v: string) => sizeFlag({ flags: { 'memory-limit': v }, positionals: [] }, 'generate', 'memory-limit');
    expect(['512MiB', '1.5GB', '500mb', '2 GiB', '100KB', '123B'].map(bytes)).toEqual([536_870_912, 1_500_000_000, 500_000_000, 2_147_483_648, 100_000, 123]);
    for (const [v, why] of [['2XB', 'must be a size such as 2GB or 512MiB (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)'], ['-3GB', 'must be a size such as 2GB or 512MiB (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)'],
      ['4', 'must be a size such as 2GB or 512MiB (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)'], ['0MB', 'must be more than 0 bytes'], ['0.1B', 'must be more than 0 bytes']]) {
      const r = await generateCli(`--memory-limit=${v}`, '--day', '2024-01-05', '--out', join(dir, 'raw-never'));
      expect(r.code, v).toBe(2);
      expect(r.err).toBe(`Error: stratum generate: --memory-limit ${why}, got '${v}'\n`);
    }
    expect(existsSync(join(dir, 'raw-never'))).toBe(false);
  });

  it('rejects --formats with an empty entry', async () => {
    for (const spec of [',', ' ', 'shop/orders=csv,,product/events=csv']) {
      const r = await generateCli('--formats', spec, '--day', '2024-01-05', '--out', join(dir, 'raw-never'));
      expect(r.code, spec).toBe(2);
      expect(r.err).toBe(`Error: stratum generate: --formats: '${spec}' has an empty entry; give <source>=<format> pairs separated by commas, e.g. shop/orders=csv\n`);
    }
    expect(existsSync(join(dir, 'raw-never'))).toBe(false);
  });

  it('names the date flag that reaches before the founding or outside the fx seed', async () => {
    const founded = 'before the company was founded (2024-01-01, company.founded in the rules)';
    for (const [args, msg] of [
      [['--days', '200'], '--days must be between 1 and 91, got 200'],
      [['--days', '0'], '--days must be between 1 and 91, got 0'],
      [['--day', '2023-06-01'], `--day 2023-06-01 is ${founded}`],
      [['--day', '2030-01-01'], '--day 2030-01-01 is after 2025-12-31, the last day of seeds/fx_rates.csv'],
      [['--from', '2023-12-01', '--to', '2024-01-03'], `--from 2023-12-01 is ${founded}`],
      [['--from', '2025-12-01', '--to', '2026-01-03'], '--to 2026-01-03 is after 2025-12-31, the last day of seeds/fx_rates.csv'],
    ] as const) {
      const r = await generateCli(...args, '--out', join(dir, 'raw-never'));
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toBe(`Error: stratum generate: ${msg}\n`);
    }
    // a rules file whose default range starts before its founding is refused at its line
    const rules = join(dir, 'founded-later.yaml');
    writeFileSync(rules, 'company:\n  founded: 2024-01-02\n');
    const r = await generateCli('--rules', rules, '--out', join(dir, 'raw-never'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^Error: ${rules}:2 \\(company\\.founded\\): the default range of dates\\.default_days 91 days ending on dates\\.default_end 2024-03-31 starts on 2024-01-01, before company\\.founded 2024-01-02 \\(`));
    expect(existsSync(join(dir, 'raw-never'))).toBe(false);
  });

  it('reports a rules key that is a list in one line, without a Node warning', () => {
    const rules = join(dir, 'collection-key.yaml');
    writeFileSync(rules, 'seed: 1\n? [a, b]\n: 1\n');
    const r = generateProcess(['--rules', rules, '--day', '2024-01-05', '--out', join(dir, 'raw-never')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`Error: ${rules}:2: a key must be a plain name, not a list or mapping: [a, b]\n`);
  });
});

describe('stratum generate reports a lake folder it cannot make', () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a folder\n');

  it('names the file in the way of a folder under it', async () => {
    const r = await generateCli('--day', '2024-01-05', '--out', join(file, 'sub', 'deeper'));
    expect(r.code).toBe(2);
    expect(r.err).toBe(`Error: cannot write the lake into ${join(file, 'sub', 'deeper')}: ${file} is a file, not a folder\n`);
    // spelled as given: relative to the working folder
    const rel = generateProcess(['--day', '2024-01-05', '--out', 'a-file/sub'], dir);
    expect(rel.status).toBe(2);
    expect(rel.stderr).toBe('Error: cannot write the lake into a-file/sub: a-file is a file, not a folder\n');
  });

  it('names the folder it may not create in', async () => {
    const open = tempDir('stratum-cli-perm-');
    chmodSync(open, 0o755);
    const readOnly = join(open, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    const lake = join(readOnly, 'lake');
    const r = await generateUnprivileged(['--day', '2024-01-05', '--out', lake], open);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`Error: cannot write the lake into ${lake}: cannot create ${lake}: permission denied (EACCES)\n`);
    // a folder that exists but may not be written: its lock file is the first thing made in it
    const locked = await generateUnprivileged(['--day', '2024-01-05', '--out', readOnly], open);
    expect(locked.code).toBe(2);
    expect(locked.err).toBe(`Error: cannot write the lake into ${readOnly}: cannot open ${readOnly}/.stratum-lock: permission denied (EACCES)\n`);
    // one that may be listed but not searched (no x bit): nothing in it can be made or looked at,
    // the staging folder the run never made included
    const unsearchable = join(open, 'unsearchable');
    mkdirSync(unsearchable);
    chmodSync(unsearchable, 0o644);
    const closed = await generateUnprivileged(['--day', '2024-01-05', '--out', unsearchable], open);
    expect(closed.err).toBe(`Error: cannot write the lake into ${unsearchable}: cannot open ${unsearchable}/.stratum-lock: permission denied (EACCES)\n`);
    expect(closed.code).toBe(2);
  });

  it.runIf(process.platform === 'linux' && existsSync('/proc/self'))('fails at once under /proc, where a recursive mkdir spins forever', () => {
    const r = generateProcess(['--day', '2024-01-05', '--out', '/proc/stratum-nope/lake']);
    expect(r.error).toBeUndefined(); // no timeout
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^Error: cannot write the lake into \/proc\/stratum-nope\/lake: cannot create \/proc\/stratum-nope: [a-z ]+ \(E[A-Z]+\)\n$/);
  });

  it('stops before placing any day when a folder it would replace or move into is read-only', async () => {
    // as root, the command runs as the user nobody, who owns the lake
    const open = tempDir('stratum-cli-ro-');
    chmodSync(open, 0o755);
    const lake = join(open, 'lake');
    expect((await generateCli('--from', '2024-01-01', '--to', '2024-01-03', '--out', lake, '--quiet')).code).toBe(0);
    if (asRoot) spawnSync('chown', ['-R', '65534:65534', lake]);
    const before = digest(lake);
    const run = () => generateUnprivileged(['--from', '2024-01-01', '--to', '2024-01-03', '--seed', '7', '--out', lake, '--quiet'], open);
    for (const folder of ['shop/orders', 'shop/orders/dt=2024-01-02', '_truth']) {
      chmodSync(join(lake, folder), 0o555);
      const r = await run();
      expect(r.code, folder).toBe(2);
      // the run replaces every day with another seed's, so it places them all at once, at the end
      expect(r.err).toBe(`Error: cannot write the lake into ${lake}: cannot write into ${join(lake, folder)}: permission denied (EACCES); no day was placed`
        + ' (it replaces a lake of another seed, scale, rules or formats: every day is placed at the end), the lake is as it was\n');
      expect(digest(lake)).toEqual(before); // every day as it was, no staging, no lock
      chmodSync(join(lake, folder), 0o755);
    }
    expect((await run()).code).toBe(0);
  });

  it('makes missing parent folders one level at a time, and removes them when it places nothing', async () => {
    const out = join(dir, 'new', 'a', 'b');
    const run = { seed: 42, scale: 1, rules: 'x', formats: {}, from: '2024-01-05', to: '2024-01-05' };
    const { staging, made } = prepareLakeFolder(out, out, run);
    expect(made).toEqual([join(dir, 'new'), join(dir, 'new', 'a'), out]);
    releaseStaging(staging);
    expect(readdirSync(out)).toEqual([]);
    // another's file inside stops the removal there, and above it
    writeFileSync(join(dir, 'new', 'a', 'theirs.txt'), '');
    removeMadeFolders(made);
    expect(readdirSync(join(dir, 'new', 'a'))).toEqual(['theirs.txt']);
    // a cancelled run leaves none of the folders it made
    const never = join(dir, 'never', 'lake');
    await prepareOnly(never);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});

describe('stratum generate writes only into its own lake', () => {
  it('refuses a folder that holds other files and no lake, and touches nothing in it', async () => {
    const out = join(dir, 'not-a-lake');
    mkdirSync(join(out, 'shop/orders/dt=2024-01-05'), { recursive: true });
    writeFileSync(join(out, 'shop/orders/dt=2024-01-05/mine.csv'), 'a,b\n');
    const r = await generateCli('--day', '2024-01-05', '--out', out, '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`Error: cannot write the lake into ${out}: it is not empty and holds no lake (no _truth folder); name a new or empty folder\n`);
    expect(readdirSync(out)).toEqual(['shop']);
    expect(readdirSync(join(out, 'shop/orders/dt=2024-01-05'))).toEqual(['mine.csv']);
  });

  it('says a folder with a link out of it and no lake holds no lake, not that the link leaves a lake', async () => {
    const out = join(dir, 'not-a-lake-linked');
    const elsewhere = join(dir, 'not-a-lake-linked-elsewhere');
    mkdirSync(join(elsewhere, 'orders'), { recursive: true });
    mkdirSync(out);
    symlinkSync(elsewhere, join(out, 'shop'));
    const notLake = `Error: cannot write the lake into ${out}: it is not empty and holds no lake (no _truth folder); name a new or empty folder\n`;
    expect(await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).toEqual({ code: 2, out: '', err: notLake });
    expect(await cli('start', '--out', out)).toEqual({ code: 2, out: '', err: notLake });
    expect(readdirSync(out)).toEqual(['shop']);
    expect(readdirSync(elsewhere)).toEqual(['orders']);
  });

  it('refuses a table folder, _truth or a dead run\'s staging folder that links out of the lake, naming it, and changes nothing', async () => {
    const out = join(dir, 'linked-out');
    expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
    const elsewhere = join(dir, 'linked-out-elsewhere');
    mkdirSync(elsewhere);
    // another seed, for every day the lake holds: a run that may replace them all
    const run = () => generateCli('--day', '2024-01-05', '--seed', '7', '--out', out, '--quiet');
    const refused = (path: string, real: string, advice: string) => ({ code: 2, out: '', err: `Error: cannot write the lake into ${out}: ${path}: resolves to ${real}, outside the lake (a symbolic link); ${advice}\n` });
    // a folder moved out and linked back: the run would replace (and delete) partitions out there
    for (const folder of ['shop/orders', 'shop', '_truth']) {
      const moved = join(elsewhere, folder.replace('/', '-'));
      renameSync(join(out, folder), moved);
      symlinkSync(moved, join(out, folder));
      const before = [digest(out), digest(moved)];
      expect(await run(), folder).toEqual(refused(join(out, folder), realpathSync(moved), 'move the folder it names back into its place (a run would replace and delete partitions outside the lake through it)'));
      expect([digest(out), digest(moved)], folder).toEqual(before);
      rmSync(join(out, folder));
      renameSync(moved, join(out, folder));
    }
    // a dead run's staging folder, linked: placing its batch would move files from outside into the
    // lake, and remove the day's partitions of every source its journal does not list
    const staging = join(elsewhere, 'staging');
    cpSync(join(out, '_truth/dt=2024-01-05'), join(staging, 'batch-1/_truth/dt=2024-01-05'), { recursive: true });
    writeFileSync(join(staging, 'batch-1/placing.json'), JSON.stringify({ days: [{ dt: '2024-01-05', sources: [] }] }));
    const link = join(out, '.stratum-tmp-999999999-1');
    symlinkSync(staging, link);
    const before = [digest(out), digest(staging)];
    expect(await run()).toEqual(refused(link, realpathSync(staging), "remove the link (a run's staging folder is never one)"));
    expect([digest(out), digest(staging)]).toEqual(before);
    rmSync(link);
    // a real one holding a link out: the same, named by the link
    mkdirSync(link);
    symlinkSync(join(staging, 'batch-1'), join(link, 'batch-1'));
    const inside = [digest(out), digest(staging)];
    expect(await run()).toEqual({ code: 2, out: '', err: `Error: cannot write the lake into ${out}: ${join(link, 'batch-1')}: is a symbolic link in a killed run's staging folder; remove the link (a run's staging folder never holds one)\n` });
    expect([digest(out), digest(staging)]).toEqual(inside);
    // done as they say, the run is made
    rmSync(join(link, 'batch-1'));
    expect((await run()).code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, '_truth/dt=2024-01-05/truth.json'), 'utf8')).seed).toBe(7);
  });

  it('refuses a table folder, _truth or a staging folder that links to nothing, naming it, as start does, and changes nothing', async () => {
    const out = join(dir, 'linked-nowhere');
    expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
    const made = digest(out);
    const gone = join(dir, 'linked-nowhere-gone');
    const back = 'move the folder it names back into its place (a run would replace and delete partitions outside the lake through it)';
    // a folder on a disk that is not mounted: a run would make its folder in the link's place, and
    // start would find the day damaged and advise that run
    for (const [folder, advice] of [['shop/orders', back], ['shop', back], ['_truth', back], ['.stratum-tmp-999999999-1', "remove the link (a run's staging folder is never one)"]]) {
      const moved = join(dir, 'linked-nowhere-moved');
      if (existsSync(join(out, folder))) renameSync(join(out, folder), moved);
      symlinkSync(gone, join(out, folder));
      // the files' names (a dangling link has no digest), their bytes once the folder is back
      const names = () => readdirSync(out, { recursive: true, encoding: 'utf8' }).sort();
      const before = names();
      const err = `${join(out, folder)}: is a symbolic link to ${gone}, which does not exist; ${advice}`;
      expect(await generateCli('--day', '2024-01-05', '--out', out, '--quiet'), folder).toEqual({ code: 2, out: '', err: `Error: cannot write the lake into ${out}: ${err}\n` });
      expect(await cli('start', '--out', out), folder).toEqual({ code: 2, out: '', err: `Error: ${err}\n` });
      expect(names(), folder).toEqual(before);
      expect(existsSync(gone), folder).toBe(false);
      rmSync(join(out, folder));
      if (existsSync(moved)) renameSync(moved, join(out, folder));
      expect(digest(out), folder).toEqual(made);
    }
    expect((await cli('start', '--out', out)).code).toBe(0);
  });

  it('does not read, through a link out of the lake, the manifest of a day it keeps: it names it, and the run it advises mends it', async () => {
    const out = join(dir, 'linked-manifest');
    expect((await generateCli('--from', '2024-01-05', '--to', '2024-01-06', '--out', out, '--quiet')).code).toBe(0);
    const elsewhere = join(dir, 'linked-manifest-elsewhere');
    mkdirSync(elsewhere);
    const manifest = join(out, '_truth/dt=2024-01-06/truth.json');
    renameSync(manifest, join(elsewhere, 'truth.json'));
    symlinkSync(join(elsewhere, 'truth.json'), manifest);
    const named = readFileSync(join(elsewhere, 'truth.json'), 'utf8');
    const before = digest(out);
    const fix = `generate that day again, with the seed, scale and rules the lake was made with (stratum generate --day 2024-01-06 --out ${out})`;
    expect(await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).toEqual({ code: 2, out: '',
      err: `Error: cannot write the lake into ${out}: ${manifest}: resolves to ${join(realpathSync(elsewhere), 'truth.json')}, outside the lake (a symbolic link); ${fix}\n` });
    expect(digest(out)).toEqual(before);
    // the day made again replaces the link, and leaves the file it named
    expect((await generateCli('--day', '2024-01-06', '--out', out, '--quiet')).code).toBe(0);
    expect(lstatSync(manifest).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(elsewhere, 'truth.json'), 'utf8')).toBe(named);
    expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
  });

  it('lets one run at a time write into a lake: a live one holds its lock, a dead one\'s is taken over', async () => {
    const { spawn } = await import('node:child_process');
    const out = join(dir, 'locked');
    expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]); // released
    const before = digest(out);
    // a live process with a staging folder in the lake holds it
    const other = spawn('sleep', ['30']);
    try {
      const now = Date.now();
      const lock = `${other.pid} ${now}`;
      writeFileSync(join(out, '.stratum-lock'), lock);
      mkdirSync(join(out, `.stratum-tmp-${other.pid}-${now}`));
      const r = await generateCli('--day', '2024-01-05', '--out', out, '--quiet');
      expect(r).toEqual({ code: 2, out: '', err: `Error: cannot write the lake into ${out}: another 'stratum generate' (pid ${other.pid}) is writing into it; wait for it to finish, or name another folder\n` });
      // the refused run leaves the holder's lock as it was
      expect(readFileSync(join(out, '.stratum-lock'), 'utf8')).toBe(lock);
      // a lock (and staging folder) made a minute before its pid's process started is a reused pid's: stale
      writeFileSync(join(out, '.stratum-lock'), `${other.pid} ${now - 60_000}`);
      renameSync(join(out, `.stratum-tmp-${other.pid}-${now}`), join(out, `.stratum-tmp-${other.pid}-${now - 60_000}`));
      expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
    } finally {
      other.kill();
    }
    // a live pid whose process is older than the lock, with no staging folder ten seconds on: a
    // reused pid too (pid 1 started before this test)
    writeFileSync(join(out, '.stratum-lock'), `1 ${Date.now() - 60_000}`);
    expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
    // a dead run's lock is taken over, and `start` clears it as it finishes what a dead run left
    writeFileSync(join(out, '.stratum-lock'), `999999999 ${Date.now()}`);
    expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
    writeFileSync(join(out, '.stratum-lock'), `999999999 ${Date.now()}`);
    expect((await cli('start', '--out', out)).code).toBe(0);
    expect(digest(out)).toEqual(before);
  });

  it('takes over a lock that no live run holds, however it is written', async () => {
    const { spawn } = await import('node:child_process');
    const out = join(dir, 'odd-locks');
    expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
    const other = spawn('sleep', ['30']);
    try {
      // a live pid with no staging folder and a time a day ahead (it would hold the lake for good), a
      // pid of 0 or -1 (which probe process groups, always there), no pid at all
      for (const lock of [`${other.pid} ${Date.now() + 86_400_000}`, `0 ${Date.now()}`, `-1 ${Date.now()}`, 'garbage', '']) {
        writeFileSync(join(out, '.stratum-lock'), lock);
        const r = await generateCli('--day', '2024-01-05', '--out', out, '--quiet');
        expect(r.err, lock).toBe('');
        expect(existsSync(join(out, '.stratum-lock'))).toBe(false);
      }
    } finally {
      other.kill();
    }
  });

  it('refuses a lock that is a symbolic link, naming it, and changes nothing inside or outside the lake', async () => {
    const out = join(dir, 'linked-lock');
    expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
    const elsewhere = join(dir, 'linked-lock-elsewhere');
    mkdirSync(elsewhere);
    // a file that reads as a live run's lock (pid 1, now), one that reads as a dead run's, a folder,
    // and nothing at all (a dangling link)
    writeFileSync(join(elsewhere, 'live'), `1 ${Date.now()}`);
    writeFileSync(join(elsewhere, 'dead'), `999999999 ${Date.now()}`);
    const lock = join(out, '.stratum-lock');
    const before = digest(out);
    for (const target of ['live', 'dead', '.', 'nothing'].map((f) => join(elsewhere, f))) {
      symlinkSync(target, lock);
      const outside = digest(elsewhere);
      const err = `${lock}: is a symbolic link to ${target}; remove the link (a run's lock is never one)`;
      expect(await generateCli('--day', '2024-01-05', '--out', out, '--quiet'), target).toEqual({ code: 2, out: '', err: `Error: cannot write the lake into ${out}: ${err}\n` });
      // `stratum start` reads the lock too, as it clears a dead run's
      expect(await cli('start', '--out', out), target).toEqual({ code: 2, out: '', err: `Error: ${err}\n` });
      expect(readdirSync(out).filter((f) => f.startsWith('.')), target).toEqual(['.stratum-lock']);
      expect(readlinkSync(lock), target).toBe(target);
      expect(digest(elsewhere), target).toEqual(outside);
      rmSync(lock);
      expect(digest(out), target).toEqual(before);
    }
    // named by the lake as the user wrote it
    symlinkSync('nothing', lock);
    const r = await generateProcess(['--day', '2024-01-05', '--out', 'linked-lock', '--quiet'], dir);
    expect([r.status, r.stderr]).toEqual([2, "Error: cannot write the lake into linked-lock: linked-lock/.stratum-lock: is a symbolic link to nothing; remove the link (a run's lock is never one)\n"]);
  });

  it('refuses a lock that is a named pipe or a folder, naming it, instead of waiting on it or failing on it', async () => {
    const out = join(dir, 'odd-lock');
    expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
    const lock = join(out, '.stratum-lock');
    const before = digest(out);
    for (const [what, make] of [['a named pipe', () => execFileSync('mkfifo', [lock])], ['a folder', () => mkdirSync(lock)]] as const) {
      make();
      const err = `${lock}: is ${what}, not a file; remove it (a run's lock is always a file)`;
      expect(await generateCli('--day', '2024-01-05', '--out', out, '--quiet'), what).toEqual({ code: 2, out: '', err: `Error: cannot write the lake into ${out}: ${err}\n` });
      expect(await cli('start', '--out', out), what).toEqual({ code: 2, out: '', err: `Error: ${err}\n` });
      rmSync(lock, { recursive: true });
      expect(digest(out), what).toEqual(before);
    }
  });

  it('counts another user\'s live run as alive: its lock holds, though this run may not signal it', async () => {
    // pid 1 belongs to root. As root, the command runs as the user nobody, for whom probing pid 1
    // fails with EPERM: that run is alive, only not ours to signal
    const open = tempDir('stratum-cli-other-user-');
    chmodSync(open, 0o755);
    const out = join(open, 'lake');
    mkdirSync(out);
    const lock = `1 ${Date.now() - 60_000}`;
    writeFileSync(join(out, '.stratum-lock'), lock);
    mkdirSync(join(out, '.stratum-tmp-1-1'));
    if (asRoot) spawnSync('chown', ['-R', '65534:65534', out]);
    const r = await generateUnprivileged(['--day', '2024-01-05', '--out', out, '--quiet'], open);
    expect(r).toEqual({ code: 2, err: `Error: cannot write the lake into ${out}: another 'stratum generate' (pid 1) is writing into it; wait for it to finish, or name another folder\n` });
    expect(readFileSync(join(out, '.stratum-lock'), 'utf8')).toBe(lock);
    expect(readdirSync(out).sort()).toEqual(['.stratum-lock', '.stratum-tmp-1-1']);
  });

  it('keeps its own lock while it finishes a dead run\'s placement, however long that takes', () => {
    const out = join(dir, 'own-lock');
    mkdirSync(out);
    acquireLock(out, out);
    // a minute on, with no staging folder of this process yet: still this run's lock, not a stale one
    writeFileSync(join(out, '.stratum-lock'), `${process.pid} ${Date.now() - 60_000}`);
    finishUnfinishedRuns(out, out);
    expect(existsSync(join(out, '.stratum-lock'))).toBe(true);
    expect(() => acquireLock(out, out)).toThrow(`cannot write the lake into ${out}: another 'stratum generate' (pid ${process.pid}, this process) is writing into it`);
    releaseLock(out);
    expect(readdirSync(out)).toEqual([]);
  });

  it('leaves the lock of another run of this process as it was when it is refused', async () => {
    // the refused run released the lock on its way out, as if it were its own, so that a run of
    // another process could then write into the lake alongside the first
    const out = join(dir, 'own-lock-refused');
    mkdirSync(out);
    acquireLock(out, out); // a run of this process, writing into the lake
    const lock = readFileSync(join(out, '.stratum-lock'), 'utf8');
    const r = await generateCli('--day', '2024-01-05', '--out', out, '--quiet');
    expect(r).toEqual({ code: 2, out: '', err: `Error: cannot write the lake into ${out}: another 'stratum generate' (pid ${process.pid}, this process) is writing into it; wait for it to finish, or name another folder\n` });
    expect(readFileSync(join(out, '.stratum-lock'), 'utf8')).toBe(lock);
    expect(() => acquireLock(out, out)).toThrow('this process');
    releaseLock(out);
    expect(readdirSync(out)).toEqual([]);
  });

  it('holds the lake against another run of this process that names it by another path (a symbolic link)', async () => {
    // the lakes this process holds were known by their path as given: through a link to the same
    // folder, this process's lock was taken for an earlier process's, taken over, and the running
    // run's staging folder removed as stale
    const { symlinkSync } = await import('node:fs');
    const out = join(dir, 'held-through-link');
    const link = join(dir, 'link-to-held');
    const run = { seed: 42, scale: 1, rules: 'x', formats: {}, from: '2024-01-05', to: '2024-01-05' };
    const { staging } = prepareLakeFolder(out, out, run); // a run of this process, writing into the lake
    symlinkSync(out, link);
    try {
      const lock = readFileSync(join(out, '.stratum-lock'), 'utf8');
      const r = await generateCli('--day', '2024-01-05', '--out', link, '--quiet');
      expect(r).toEqual({ code: 2, out: '', err: `Error: cannot write the lake into ${link}: another 'stratum generate' (pid ${process.pid}, this process) is writing into it; wait for it to finish, or name another folder\n` });
      expect(readFileSync(join(out, '.stratum-lock'), 'utf8')).toBe(lock);
      expect(existsSync(staging)).toBe(true);
    } finally {
      releaseStaging(staging);
    }
    expect(readdirSync(out)).toEqual([]);
  });

  it('takes over the lock, staging and partitions moved aside of a killed earlier process that had this pid', async () => {
    // a container's first process has the same pid each time: a run killed in one must not lock
    // its lake for the next (it was refused as "pid 1, this process" for good)
    const out = join(dir, 'same-pid');
    expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
    const before = digest(out);
    writeFileSync(join(out, '.stratum-lock'), `${process.pid} ${Date.now() - 60_000}`);
    mkdirSync(join(out, `.stratum-tmp-${process.pid}-1`));
    // killed after its new partition was renamed in, before the old one was removed
    mkdirSync(join(out, `crm/customers/.dt=2024-01-05.old-${process.pid}`));
    writeFileSync(join(out, `crm/customers/.dt=2024-01-05.old-${process.pid}/part-00000.csv`), 'old\n');
    const r = await generateCli('--day', '2024-01-05', '--out', out, '--quiet');
    expect(r).toEqual({ code: 0, out: '', err: '' });
    expect(digest(out)).toEqual(before);
  });

  it('takes a folder holding only hidden files (.gitkeep, .DS_Store) as empty', async () => {
    const out = join(dir, 'kept');
    mkdirSync(out);
    writeFileSync(join(out, '.gitkeep'), '');
    writeFileSync(join(out, '.DS_Store'), 'x');
    const r = await generateCli('--day', '2024-01-05', '--out', out, '--quiet');
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out).filter((f) => f.startsWith('.')).sort()).toEqual(['.DS_Store', '.gitkeep']);
    expect(existsSync(join(out, '_truth/dt=2024-01-05/truth.json'))).toBe(true);
  });

  it('lists a source with no rows on a day in the manifest, with no file', async () => {
    const out = join(dir, 'no-tickets');
    const rules = join(dir, 'no-tickets.yaml');
    writeFileSync(rules, 'volume:\n  tickets_per_day: 0\n');
    expect((await generateCli('--day', '2024-01-05', '--rules', rules, '--out', out, '--quiet')).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, '_truth/dt=2024-01-05/truth.json'), 'utf8')) as TruthManifest;
    expect(Object.keys(manifest.sources)).toEqual([...SOURCE_NAMES]);
    expect(manifest.sources['support/tickets']).toEqual({ format: 'parquet', files: [], rows: 0, bytes: 0, defects: {} });
    expect(existsSync(join(out, 'support/tickets'))).toBe(false);
    expect(manifest.sources['shop/orders'].rows).toBeGreaterThan(0);
    // regenerated with no tickets, a day that had some loses its tickets' partition
    const had = join(dir, 'had-tickets');
    expect((await generateCli('--day', '2024-01-05', '--out', had, '--quiet')).code).toBe(0);
    expect(readdirSync(join(had, 'support/tickets'))).toEqual(['dt=2024-01-05']);
    expect((await generateCli('--day', '2024-01-05', '--rules', rules, '--out', had, '--quiet')).code).toBe(0);
    expect(readdirSync(join(had, 'support/tickets'))).toEqual([]);
    expect(digest(join(had, 'shop'))).toEqual(digest(join(out, 'shop')));
  });

  it('refuses days made with other rules, and records the rules in each manifest', async () => {
    const out = join(dir, 'one-rules');
    expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, '_truth/dt=2024-01-05/truth.json'), 'utf8')) as { rules: string };
    expect(manifest.rules).toBe(rulesFingerprint(loadRules()));
    const rules = join(dir, 'busier.yaml');
    writeFileSync(rules, 'volume:\n  orders_per_day: 100\n');
    const before = digest(out);
    const r = await generateCli('--day', '2024-01-06', '--rules', rules, '--out', out, '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`Error: cannot write the lake into ${out}: its days outside this run's (2024-01-05) have other rules or another version of the generator (fingerprint ${manifest.rules}; this run: ${rulesFingerprint(loadRules(rules))})`
      + `, as ${out}/_truth/dt=2024-01-05/truth.json says; one lake holds one company in one layout: generate all of its days in one run, or name another folder\n`);
    expect(digest(out)).toEqual(before);
    // the seed and the formats are compared apart: they do not change the fingerprint
    expect(rulesFingerprint({ ...loadRules(), seed: 7 })).toBe(manifest.rules);
    // a generator that makes another company from the same rules does
    expect(rulesFingerprint(loadRules(), COMPANY_MODEL - 1)).not.toBe(manifest.rules);
  });

  it('names the days a refused run would keep, on both sides of its range', async () => {
    const out = join(dir, 'kept-days');
    expect((await generateCli('--from', '2024-01-05', '--to', '2024-01-08', '--out', out, '--quiet')).code).toBe(0);
    const before = digest(out);
    const r = await generateCli('--from', '2024-01-06', '--to', '2024-01-07', '--seed', '7', '--out', out, '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^Error: cannot write the lake into ${out}: its days outside this run's \\(2024-01-05 and 2024-01-08\\) have seed 42 \\(this run: 7\\)`));
    expect(digest(out)).toEqual(before);
  });

  it('refuses days of another seed, scale or format beside the days it keeps, until every day is replaced', async () => {
    const out = join(dir, 'one-company');
    expect((await generateCli('--from', '2024-01-05', '--to', '2024-01-06', '--out', out, '--quiet')).code).toBe(0);
    const before = digest(out);
    const r = await generateCli('--day', '2024-01-06', '--seed', '7', '--scale', '2', '--formats', 'shop/orders=csv', '--out', out, '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`Error: cannot write the lake into ${out}: its days outside this run's (2024-01-05) have seed 42 (this run: 7), scale 1 (this run: 2)`
      + `, shop/orders as parquet (this run: csv), as ${out}/_truth/dt=2024-01-05/truth.json says; one lake holds one company in one layout: generate all of its days in one run, or name another folder\n`);
    expect(digest(out)).toEqual(before);
    // the same company may replace one day; another may replace them all
    expect((await generateCli('--day', '2024-01-06', '--out', out, '--quiet')).code).toBe(0);
    expect(digest(out)).toEqual(before);
    expect((await generateCli('--from', '2024-01-04', '--to', '2024-01-06', '--seed', '7', '--out', out, '--quiet')).code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, '_truth/dt=2024-01-05/truth.json'), 'utf8')).seed).toBe(7);
  });

  it('names a manifest that is JSON but no manifest, a journal that is no journal, and a dangling link', async () => {
    const out = join(dir, 'odd-files');
    expect((await generateCli('--from', '2024-01-05', '--to', '2024-01-06', '--out', out, '--quiet')).code).toBe(0);
    const manifest = join(out, '_truth/dt=2024-01-06/truth.json');
    const kept = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, 'null');
    // with what to do about it, as for a missing manifest
    const notManifest = "not a day's manifest (an object with seed, scale, rules and sources, each source with its format, rows, files and bytes); "
      + `generate that day again, with the seed, scale and rules the lake was made with (stratum generate --day 2024-01-06 --out ${out})`;
    expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).err).toBe(`Error: cannot write the lake into ${out}: ${manifest}: ${notManifest}\n`);
    expect(await cli('start', '--out', out)).toEqual({ code: 2, out: '', err: `Error: ${manifest}: ${notManifest}\n` });
    // nor is one whose source entry lacks its format, has no whole number of rows or bytes, or no list of files
    const whole = { format: 'csv', rows: 3, files: ['crm/customers/dt=2024-01-06/part-00000.csv'], bytes: 10 };
    for (const entry of [{ rows: 3 }, { format: 'csv', rows: '3' }, { format: 'csv' }, { format: 'csv', rows: 2.5 }, { ...whole, files: undefined }, { ...whole, files: [1] },
      { ...whole, files: 'crm/customers/dt=2024-01-06/part-00000.csv' }, { ...whole, bytes: undefined }, { ...whole, bytes: 1.5 }]) {
      writeFileSync(manifest, JSON.stringify({ ...JSON.parse(kept), sources: { 'crm/customers': entry } }));
      expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).err, JSON.stringify(entry)).toBe(`Error: cannot write the lake into ${out}: ${manifest}: ${notManifest}\n`);
      expect((await cli('start', '--out', out)).err, JSON.stringify(entry)).toBe(`Error: ${manifest}: ${notManifest}\n`);
    }
    // nor is one without a whole seed and scale, or with a rules fingerprint that is no text: start
    // spelled them as flags in the command that mends the lake (`--seed undefined`)
    const { seed: _seed, ...noSeed } = JSON.parse(kept) as Record<string, unknown>;
    for (const company of [noSeed, { ...noSeed, seed: '42' }, { ...noSeed, seed: 42, scale: 1.5 }, { ...noSeed, seed: 42, rules: 7 }]) {
      writeFileSync(manifest, JSON.stringify(company));
      expect((await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).err, JSON.stringify(company.seed)).toBe(`Error: cannot write the lake into ${out}: ${manifest}: ${notManifest}\n`);
      expect((await cli('start', '--out', out)).err).toBe(`Error: ${manifest}: ${notManifest}\n`);
    }
    // nor one that cannot be read (a folder where the file should be): named, with what to do
    rmSync(manifest);
    mkdirSync(manifest);
    const unreadable = `cannot read it (EISDIR); generate that day again, with the seed, scale and rules the lake was made with (stratum generate --day 2024-01-06 --out ${out})`;
    expect(await generateCli('--day', '2024-01-05', '--out', out, '--quiet')).toEqual({ code: 2, out: '', err: `Error: cannot write the lake into ${out}: ${manifest}: ${unreadable}\n` });
    expect(await cli('start', '--out', out)).toEqual({ code: 2, out: '', err: `Error: ${manifest}: ${unreadable}\n` });
    rmSync(manifest, { recursive: true });
    writeFileSync(manifest, kept);
    // a dead run's staging folder whose journal is damaged: named, with what to do, every time
    const journal = join(out, '.stratum-tmp-999999999-1', 'batch-1', 'placing.json');
    mkdirSync(join(journal, '..'), { recursive: true });
    for (const text of ['{"days":[{"dt":"2024-01-0', '', '{}', '{"days":[{"dt":"2024-01-05"}]}']) {
      writeFileSync(journal, text);
      const r = await cli('start', '--out', out);
      expect(r.code, text).toBe(2);
      expect(r.err).toBe(`Error: ${journal} is not a placement journal, so the days its run was placing cannot be finished (they may be half placed); remove ${join(out, '.stratum-tmp-999999999-1')} and generate those days again\n`);
    }
    rmSync(join(out, '.stratum-tmp-999999999-1'), { recursive: true });
    const { symlinkSync } = await import('node:fs');
    symlinkSync('nowhere', join(dir, 'dangling'));
    expect((await generateCli('--day', '2024-01-05', '--out', join(dir, 'dangling', 'lake'))).err).toBe(`Error: cannot write the lake into ${join(dir, 'dangling', 'lake')}: ${join(dir, 'dangling')} is a symbolic link to nowhere, which does not exist\n`);
  });

  it('names a manifest it cannot read', async () => {
    const out = join(dir, 'bad-manifest');
    mkdirSync(join(out, '_truth/dt=2024-01-09'), { recursive: true });
    writeFileSync(join(out, '_truth/dt=2024-01-09/truth.json'), '{"seed": 42,');
    mkdirSync(join(out, '_truth/dt=2024-01-10'), { recursive: true });
    const bad = await generateCli('--day', '2024-01-08', '--out', out, '--quiet');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(`Error: cannot write the lake into ${out}: ${out}/_truth/dt=2024-01-10/truth.json: missing: day 2024-01-10 has no manifest, so what its partitions hold is not known; `
      + `generate that day again, with the seed, scale and rules the lake was made with (stratum generate --day 2024-01-10 --out ${out})\n`);
    // and start says the same of it
    const lone = join(dir, 'no-manifest');
    mkdirSync(join(lone, '_truth/dt=2024-01-10'), { recursive: true });
    const started = await cli('start', '--out', lone);
    expect(started.code).toBe(2);
    expect(started.err).toBe(`Error: ${lone}/_truth/dt=2024-01-10/truth.json: missing: day 2024-01-10 has no manifest, so what its partitions hold is not known; `
      + `generate that day again, with the seed, scale and rules the lake was made with (stratum generate --day 2024-01-10 --out ${lone})\n`);
    rmSync(join(out, '_truth/dt=2024-01-10'), { recursive: true });
    const notJson = await generateCli('--day', '2024-01-08', '--out', out, '--quiet');
    expect(notJson.code).toBe(2);
    expect(notJson.err).toMatch(new RegExp(`^Error: cannot write the lake into ${out}: ${out}/_truth/dt=2024-01-09/truth.json: not JSON \\(.+\\); `
      + `generate that day again, with the seed, scale and rules the lake was made with \\(stratum generate --day 2024-01-09 --out ${out}\\)\n$`));
    expect(readdirSync(out)).toEqual(['_truth']);
  });
});

describe('stratum generate stops in one line when the company does not fit in memory', () => {
  it('stops building a world that would fill the JS heap, before Node aborts, and leaves nothing behind', () => {
    const out = join(dir, 'too-big');
    const r = spawnSync(process.execPath, ['--max-old-space-size=128', BIN, 'generate', '--day', '2024-03-15', '--scale', '40', '--out', out, '--quiet'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^Error: the company at scale 40 does not fit in memory: its world \([\d,]+ accounts, 2024-01-01 to 2024-04-14\) had filled [\d,]+ MB of the [\d,]+ MB Node may use at account [\d,]+ \(making [a-z ]+\); generate at a smaller scale or an earlier range\n$/);
    expect(existsSync(out)).toBe(false); // it made the folder, and placed nothing in it
  });

  it('stops in one line when --memory-limit is too small for the run, asking for more, and leaves nothing behind', async () => {
    const out = join(dir, 'too-little');
    const r = await generateCli('--days', '3', '--memory-limit', '20MB', '--out', out, '--quiet');
    expect(r.code, r.err).toBe(1);
    // DuckDB words it by what it failed to allocate: a buffer-pool block, or data of some size (as under load)
    expect(r.err).toMatch(/^Error: the company at scale 1 does not fit in memory: DuckDB [a-z ]+ (block|data) of size [\d.]+ [KM]iB \([\d.]+ (bytes|KiB|MiB)\/[\d.]+ MiB used\); no day was placed, the lake is as it was; raise --memory-limit or generate at a smaller scale\n$/);
    expect(existsSync(out)).toBe(false);
  });

  /** `stratum generate --day 2024-01-09` with this rules file at this scale, into a lake that must not be made: its stderr. */
  async function refusedDay(name: string, rulesYaml: string, scale: number): Promise<string> {
    const out = join(dir, name);
    const rules = join(dir, `${name}.yaml`);
    writeFileSync(rules, rulesYaml);
    const r = await generateCli('--day', '2024-01-09', '--scale', String(scale), '--rules', rules, '--memory-limit', '1GB', '--out', out, '--quiet');
    expect(r.code, r.err).toBe(1);
    expect(existsSync(out)).toBe(false);
    return r.err;
  }

  it('refuses a day with more orders or browsing sessions than product/events can order its events by, before writing anything', async () => {
    // 50 million orders a day at scale 5, 200 million browsing sessions: their events' ordinals would
    // run into the ad landings' (events.ts's ORD); the memory limit stops the run before the fix
    expect(await refusedDay('too-many-orders', 'volume:\n  orders_per_day: 10000000\n', 5)).toMatch(/^Error: the company at scale 5 makes [\d,]+ orders, [\d,]+ marketplace browsing sessions, [\d,]+ site and app sessions and [\d,]+ ad landings on 2024-01-0\d, more than the generator can number in a day \(at most 10,000,000 orders, which shop\/orders numbers; 107,374,182 browsing sessions, 33,554,432 site and app sessions and 268,435,456 ad landings, by which product\/events orders the events of a second\); lower volume\.orders_per_day, volume\.events_per_day, volume\.campaigns_per_channel, skew\.hot_day_multiplier or skew\.weekend_factor in the rules, or the scale\n$/);
  });

  it('refuses a day with more orders than shop/orders can number, before writing anything', async () => {
    // some 10-11.5 million orders a day at scale 1: their events' ordinals fit, but an order's seq
    // (day * ORDER_SLOTS + i) in shop/orders, order_items and shipments would run into the next day's
    expect(await refusedDay('too-many-orders-1', 'volume:\n  orders_per_day: 10000000\n', 1)).toMatch(/^Error: the company at scale 1 makes (10,0\d\d|1[01],\d{3}),\d{3} orders, [\d,]+ marketplace browsing sessions, [\d,]+ site and app sessions and [\d,]+ ad landings on 2024-01-0\d, more than the generator can number in a day \(at most 10,000,000 orders/);
  });

  it('refuses a day whose shipments would arrive from an earlier day of more orders than shop/orders can number', async () => {
    // 2024-01-12 has some million orders, but its shipments come from orders of the 13 days before
    // (fulfilment and the arrival lag), among them a hot day of some 15 million: their seq in
    // logistics/shipments ((day * 64 + days since the order) * ORDER_SLOTS + i) would run into the
    // next day's. The check looked back only as far as the arrival lag
    const out = join(dir, 'too-many-orders-shipped');
    const rules = join(dir, 'too-many-orders-shipped.yaml');
    writeFileSync(rules, 'volume:\n  orders_per_day: 1000000\nskew:\n  hot_day: 2024-01-09\n  hot_day_multiplier: 15\narrival:\n  max_lag_days: 1\n');
    const r = await generateCli('--day', '2024-01-12', '--rules', rules, '--memory-limit', '1GB', '--out', out, '--quiet');
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/^Error: the company at scale 1 makes 1\d,\d{3},\d{3} orders, [\d,]+ marketplace browsing sessions, [\d,]+ site and app sessions and [\d,]+ ad landings on 2024-01-09, more than the generator can number in a day \(at most 10,000,000 orders, which shop\/orders numbers; /);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a day with more site and app sessions than product/events can order its events by, before writing anything', async () => {
    // 100 million events a day at scale 2 are some 50 million background sessions, past the
    // 33,554,432 their ordinals (i * 8 + j below the touches') have room for; before the check, the
    // events' WebAssembly ran out of memory ('Error: unreachable')
    expect(await refusedDay('too-many-sessions', 'volume:\n  events_per_day: 100000000\n', 2)).toMatch(/^Error: the company at scale 2 makes [\d,]+ orders, [\d,]+ marketplace browsing sessions, (3[4-9]|[4-6]\d),\d{3},\d{3} site and app sessions and [\d,]+ ad landings on 2024-01-0\d, more than the generator can number in a day /);
  });

  it('refuses a day with more ad landings than product/events can order its events by, before writing anything', async () => {
    // a hot Saturday at scale 100, with 50 campaigns a channel and a company grown 17% by then: some
    // 296 million visitors land from ads, past the 268,435,456 ordinals from ORD.landing to 2^31
    // (the events' WebAssembly numbers them in 32 bits); few orders, events and accounts
    const rules = 'company:\n  initial_customers: 0\n  signups_per_day: 0.1\nvolume:\n  orders_per_day: 1\n  events_per_day: 0\n  campaigns_per_channel: 50\n'
      + 'skew:\n  hot_day: 2024-01-06\n  hot_day_multiplier: 100\n  weekend_factor: 10\n';
    expect(await refusedDay('too-many-landings', rules, 100)).toMatch(/^Error: the company at scale 100 makes [\d,]+ orders, [\d,]+ marketplace browsing sessions, 0 site and app sessions and 2(69|[7-9]\d),\d{3},\d{3} ad landings on 2024-01-06, more than the generator can number in a day \(at most 10,000,000 orders, which shop\/orders numbers; 107,374,182 browsing sessions, 33,554,432 site and app sessions and 268,435,456 ad landings, by which product\/events orders the events of a second\); lower volume\.orders_per_day, volume\.events_per_day, volume\.campaigns_per_channel, /);
  });

  it('refuses a world of more accounts than product/events can order their touches by, before building it', () => {
    // 40 million accounts at scale 4: touch t of account n is ORD.touch + n * 8 + t, below the
    // signups' from 2^25 accounts on; before the check the world filled the heap (here a small one)
    const out = join(dir, 'too-many-accounts');
    const rules = join(dir, 'too-many-accounts.yaml');
    writeFileSync(rules, 'company:\n  initial_customers: 10000000\n');
    const r = spawnSync(process.execPath, ['--max-old-space-size=256', BIN, 'generate', '--day', '2024-01-09', '--scale', '4', '--rules', rules, '--out', out, '--quiet'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^Error: the company at scale 4 has 40,0\d\d,\d{3} accounts by 2024-02-08 \(the run builds its world to 30 days past its last day\), more than the generator can number \(at most 33,554,432, by which product\/events orders an account's touches among the events of a second\); lower company\.initial_customers or company\.signups_per_day in the rules, or the scale, or generate an earlier range\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it('turns DuckDB running out of memory into one line', async () => {
    // no temp directory: nothing can be spilled to disk
    const db = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '30MB', temp_directory: '' });
    const con = await db.connect();
    const failed = await con.run("create temp table x as select repeat('x', 100) || i as s from range(3000000) t(i) order by s").then(() => undefined, (e: unknown) => e);
    con.closeSync();
    db.closeSync();
    const e = outOfMemory(failed, 7, '; no day was placed, the lake is as it was');
    expect(e).toBeInstanceOf(LimitError);
    expect((e as LimitError).message).toMatch(/^the company at scale 7 does not fit in memory: DuckDB [a-z ]+ block of size [\d.]+ KiB \([\d.]+ MiB\/[\d.]+ MiB used\); no day was placed, the lake is as it was; generate at a smaller scale$/);
    const other = new Error('Binder Error: no such column');
    expect(outOfMemory(other, 7, '')).toBe(other);
  });

  it('turns a WebAssembly writer that cannot get its memory into one line', () => {
    // a writer's thread under ulimit -v 30000000: it was a stack trace
    const wasm = Object.assign(new Error('WebAssembly.Instance(): Out of memory: Cannot allocate Wasm memory for new instance'), { name: 'RangeError' });
    const e = outOfMemory(wasm, 1, '; no day was placed, the lake is as it was');
    expect(e).toBeInstanceOf(LimitError);
    expect((e as LimitError).message).toBe('cannot allocate memory for a WebAssembly writer: WebAssembly.Instance(): Out of memory: Cannot allocate Wasm memory for new instance; '
      + "no day was placed, the lake is as it was; free some memory or raise the limit on the process's memory (ulimit -v), or generate at a smaller scale");
  });

  it('turns a WebAssembly writer whose memory is full at 4 GB into one line', () => {
    // the events' module filling the 4 GB its addresses reach: its allocator traps ('unreachable'),
    // which its thread reports as a plain Error with the message and stack (wasmThread.ts); it was
    // 'Error: unreachable'
    const x = instantiate<LinesModule>(new URL('../../generator/assembly/events.wasm', import.meta.url));
    let trap: unknown;
    try {
      for (let i = 0; i < 6; i++) x.reserve(900 * 1024 * 1024);
    } catch (caught) {
      trap = caught;
    }
    expect(trap).toBeInstanceOf(WebAssembly.RuntimeError);
    const reported = Object.assign(new Error((trap as Error).message), { stack: (trap as Error).stack });
    const e = outOfMemory(reported, 100, '; no day was placed, the lake is as it was');
    expect(e).toBeInstanceOf(LimitError);
    expect((e as LimitError).message).toBe('a WebAssembly writer filled the 4 GB of memory it can address with one day\'s lines; no day was placed, the lake is as it was; '
      + "lower the day's volumes in the rules (volume.events_per_day, volume.orders_per_day, skew.hot_day_multiplier), or generate at a smaller scale");
    // any other Error stays as it is
    const other = new Error('unreachable');
    expect(outOfMemory(other, 1, '')).toBe(other);
  });

  it('says so when the disk was too full to spill to, rather than only that memory was short', () => {
    // DuckDB's error when its spill folder's disk fills (a tmpfs of 60 MB, --scale 10 --memory-limit
    // 60MB): it was reported as memory alone, asking for a larger limit
    const full = new Error("Out of Memory Error: failed to offload data block of size 256.0 KiB (53.9 MiB/53.9 MiB used).\nThis limit was set by the 'max_temp_directory_size' setting.\n"
      + "By default, this setting utilizes the available disk space on the drive where the 'temp_directory' is located.\nYou can adjust this setting, by using (for example) PRAGMA max_temp_directory_size='10GiB'\n\n"
      + "Possible solutions:\n* Reducing the number of threads (SET threads=X)\n* Increasing the memory limit (SET memory_limit='...GB')");
    const e = outOfMemory(full, 10, '; no day was placed, the lake is as it was', 60e6);
    expect(e).toBeInstanceOf(LimitError);
    expect((e as LimitError).message).toBe('the company at scale 10 does not fit in memory, nor in the disk space left to spill it to: DuckDB failed to offload data block of size 256.0 KiB'
      + " (53.9 MiB/53.9 MiB used); no day was placed, the lake is as it was; free some space on the lake's disk, or raise --memory-limit or generate at a smaller scale");
  });
});

describe('stratum generate on a full disk', () => {
  it('says so in one line, exit 1, whether DuckDB or Node met it, and other I/O errors name the folder', () => {
    const duck = new Error('IO Error: Could not write file "/x/.stratum-tmp-1-2/batch-3/.product_events-3.txt": No space left on device');
    const full = writeFailure(duck, 'raw', '; no day was placed, the lake is as it was');
    expect(full).toBeInstanceOf(LimitError);
    expect((full as LimitError).message).toBe('cannot write the lake into raw: no space left on device; no day was placed, the lake is as it was; free some space, or name a folder on another disk');
    const node = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: 'ENOSPC', syscall: 'write' });
    expect(writeFailure(node, 'raw', '')).toBeInstanceOf(LimitError);
    // a quota is a full disk of one's own
    const quota = writeFailure(Object.assign(new Error('EDQUOT: disk quota exceeded, write'), { code: 'EDQUOT', syscall: 'write' }), 'raw', '; no day was placed, the lake is as it was');
    expect(quota).toBeInstanceOf(LimitError);
    expect((quota as LimitError).message).toBe('cannot write the lake into raw: disk quota exceeded; no day was placed, the lake is as it was; free some of your space, or name a folder on another disk');
    const duckQuota = writeFailure(new Error('IO Error: Could not write file "/x/y": Disk quota exceeded'), 'raw', '');
    expect(duckQuota).toBeInstanceOf(LimitError);
    const other = writeFailure(new Error('IO Error: Cannot open file "/x/y": Permission denied'), 'raw', '; after');
    expect((other as Error).message).toBe('cannot write the lake into raw: DuckDB: Cannot open file "/x/y": Permission denied; after');
    const bug = new TypeError('x is undefined');
    expect(writeFailure(bug, 'raw', '')).toBe(bug);
  });

  // real full disks: small tmpfs mounts, where the user may mount them (root, outside a locked
  // container). 40 MB fills while DuckDB stages a source; 5 MB while a day's JSON lines are cut
  // out of the batch file, where a short write once left a day cut off mid-record, with exit 0
  it('stops a run that fills the disk in one line, placing nothing and leaving no folder', (ctx) => {
    // each disk is smaller than the lake it would hold (2024-01-03 alone is 3.7 MB), so the run
    // fails wherever it meets the full disk (at 5 MB it depended on how the lanes overlapped)
    for (const [size, args] of [['40m', ['--from', '2024-01-01', '--to', '2024-01-20']], ['3m', ['--day', '2024-01-03']]] as const) {
      const mnt = join(dir, `disk-${size}`);
      mkdirSync(mnt, { recursive: true });
      if (process.platform !== 'linux' || !asRoot || spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]).status !== 0) {
        ctx.skip();
        return;
      }
      try {
        const out = join(mnt, 'raw');
        const r = generateProcess([...args, '--out', out, '--quiet']);
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr).toBe(`Error: cannot write the lake into ${out}: no space left on device; no day was placed, the lake is as it was; free some space, or name a folder on another disk\n`);
        expect(readdirSync(mnt)).toEqual([]);
      } finally {
        spawnSync('umount', [mnt]);
      }
    }
  });
});

describe('stratum generate writing a file larger than it may', () => {
  // a file size limit (ulimit -f; a FAT32 disk's 4 GB) met by a WebAssembly writer's thread: its
  // EFBIG came back without the call and path of a file-system error, and was printed as a stack trace
  it.runIf(process.platform !== 'win32')('names the file in one line, and leaves nothing', () => {
    const out = join(dir, 'file-size-limit');
    // a day of product/events is some 2 MB at scale 1; the limit is 500 to 1000 KB, by the shell's block
    const r = spawnSync('sh', ['-c', 'ulimit -f 1000 && exec "$@"', 'sh', process.execPath, BIN, 'generate', '--day', '2024-01-03', '--out', out, '--quiet'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toMatch(new RegExp(`^Error: cannot write the lake into ${out}: (cannot write ${out}/\\.stratum-tmp-\\d+-\\d+(?:-\\d+)?/batch-\\d+/[a-z_/]+/dt=2024-01-03/part-00000\\.[a-z]+: file too large \\(EFBIG\\)`
      + '|DuckDB: .*File too large); no day was placed, the lake is as it was\n$'));
    // a limit of the system, like a full disk: exit 1
    expect(r.status).toBe(1);
    expect(existsSync(out)).toBe(false);
  });
});

describe('stratum generate placing a batch', () => {
  // placing a day needs no more than renames once the lake's table folders are made, which is done
  // before the batch's journal: a disk that has room for the staged files but not for one more
  // folder (its inodes used up) stopped the run half way through placing, exit 2, its staging
  // folder and journal left on the full disk, a day half placed until a run found room
  it('makes the folders it moves into before its journal, so that a disk with no room for them places nothing', (ctx) => {
    const mnt = join(dir, 'disk-inodes');
    mkdirSync(mnt, { recursive: true });
    const mount = (opts: string) => spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', mnt]).status === 0;
    if (process.platform !== 'linux' || !asRoot || !mount('size=40m')) {
      ctx.skip();
      return;
    }
    const out = join(mnt, 'raw');
    const args = ['--day', '2024-01-03', '--out', out, '--quiet'];
    let whole: Map<string, string>;
    let inodes: number;
    try {
      expect(generateProcess(args).status).toBe(0);
      whole = digest(out);
      inodes = readdirSync(mnt, { recursive: true }).length + 1; // and the disk's own folder
    } finally {
      spawnSync('umount', [mnt]);
    }
    // the staged files fit in the lake's inodes and a few more; the lake's 17 folders came after
    for (let n = inodes + 2; n <= inodes + 18; n += 4) {
      expect(mount(`size=40m,nr_inodes=${n}`)).toBe(true);
      try {
        const r = generateProcess(args);
        if (r.status === 0) {
          expect(digest(out)).toEqual(whole);
          continue;
        }
        expect(r.stderr, `${n} inodes`).toBe(`Error: cannot write the lake into ${out}: no space left on device; no day was placed, the lake is as it was; free some space, or name a folder on another disk\n`);
        expect(r.status).toBe(1);
        expect(readdirSync(mnt)).toEqual([]);
      } finally {
        spawnSync('umount', [mnt]);
      }
    }
  });

  it('places no day, and leaves no folder made for it, when a table folder cannot be made', async () => {
    // a file where a system's folder goes: the run stops before its journal, not half way through placing
    const out = join(dir, 'file-in-the-way');
    mkdirSync(join(out, '_truth'), { recursive: true });
    writeFileSync(join(out, 'shop'), 'not a folder\n');
    const r = await generateCli('--day', '2024-01-05', '--out', out, '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`Error: cannot write the lake into ${out}: cannot create ${out}/shop/orders: not a directory (ENOTDIR); no day was placed, the lake is as it was\n`);
    expect(readdirSync(out).sort()).toEqual(['_truth', 'shop']);
    expect(readdirSync(join(out, '_truth'))).toEqual([]);
  });
});

describe('stratum generate whose staging folder cannot be removed', () => {
  // the lake's folder made read-only under a running run (reproduced as the user nobody, with a
  // chmod 555 a second in): the removal of its staging folder in the run's `finally` threw, and
  // Node's stack trace of that EACCES replaced the run's own one-line error. Here rmSync refuses
  // the staging folder, as it did there
  it('reports the run\'s own error, or the folder it could not remove, in one line', async () => {
    const fs = (await import('node:fs')).default;
    const { syncBuiltinESMExports } = await import('node:module');
    const rm = fs.rmSync;
    fs.rmSync = (p: PathLike, o?: RmOptions) => {
      if (!/\.stratum-tmp-\d+-\d+(?:-\d+)?$/.test(String(p))) return rm(p, o);
      throw Object.assign(new Error(`EACCES: permission denied, rmdir '${String(p)}'`), { code: 'EACCES', syscall: 'rmdir', path: String(p), errno: -13 });
    };
    syncBuiltinESMExports();
    const failed = join(dir, 'unremovable-failed');
    const placed = join(dir, 'unremovable-placed');
    try {
      // a run that fails: a file where a system's folder goes
      mkdirSync(join(failed, '_truth'), { recursive: true });
      writeFileSync(join(failed, 'shop'), 'not a folder\n');
      const f = await generateCli('--day', '2024-01-05', '--out', failed, '--quiet');
      expect(f).toEqual({ code: 2, out: '', err: `Error: cannot write the lake into ${failed}: cannot create ${failed}/shop/orders: not a directory (ENOTDIR); no day was placed, the lake is as it was\n` });
      // a run that places its day
      const p = await generateCli('--day', '2024-01-05', '--out', placed, '--quiet');
      expect(p.code).toBe(2);
      expect(p.err).toMatch(new RegExp(`^Error: cannot write the lake into ${placed}: cannot remove ${placed}/\\.stratum-tmp-\\d+-\\d+(?:-\\d+)?: permission denied \\(EACCES\\); `
        + 'all 1 day\\(s\\) were placed, each complete; the next run into it removes what is left\n$'));
    } finally {
      fs.rmSync = rm;
      syncBuiltinESMExports();
    }
    // and so it does
    expect((await generateCli('--day', '2024-01-05', '--out', placed, '--quiet')).code).toBe(0);
    expect(readdirSync(placed).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('stratum generate failing after it placed some days', () => {
  it('names the days it placed, each complete, when it fails in a later batch', async () => {
    // a DuckDB error injected into the second batch's writing of its files (which names its
    // staging folder), once the first batch's two days are placed: the second batch is generated
    // while the first is still written, and may get that far before. A write error, then DuckDB
    // running out of memory
    const { DuckDBConnection } = await import('@duckdb/node-api');
    const { generate } = await import('../../generator/generate.js');
    const proto = DuckDBConnection.prototype as unknown as { run: (...a: unknown[]) => Promise<unknown> };
    const original = proto.run;
    const rules = loadRules();
    const day = (d: string) => tryParseDay(d)!;
    const second = `batch-${day('2024-01-03')}`;
    const placedTwo = '2 of 4 days (2024-01-01 .. 2024-01-02) were placed, each complete, the others are as they were';
    const alone = join(dir, 'two-days');
    expect((await generateCli('--from', '2024-01-01', '--to', '2024-01-02', '--out', alone, '--quiet')).code).toBe(0);
    for (const [thrown, type, message] of [
      ['IO Error: Could not write file "x": Input/output error', UsageError, (out: string) => `cannot write the lake into ${out}: DuckDB: Could not write file "x": Input/output error; ${placedTwo}`],
      ['Out of Memory Error: failed to allocate data of size 1.0 MiB (9.9 MiB/10.0 MiB used)', LimitError,
        () => `the company at scale 1 does not fit in memory: DuckDB failed to allocate data of size 1.0 MiB (9.9 MiB/10.0 MiB used); ${placedTwo}; generate at a smaller scale`],
    ] as const) {
      let daysPlaced = 0;
      let injected = 0;
      proto.run = async function (this: unknown, ...args: unknown[]) {
        if (!String(args[0]).includes(second)) return original.apply(this, args);
        while (daysPlaced === 0) await new Promise((r) => setTimeout(r, 5));
        injected++;
        throw new Error(thrown);
      };
      const out = join(dir, `failed-later-${type.name}`);
      try {
        const run = generate({ rules, from: day('2024-01-01'), to: day('2024-01-04'), scale: 1, outDir: out, batchDays: 2,
          onEvent: (e) => { if (e.type === 'days') daysPlaced = e.done; } });
        const e = await run.then(() => undefined, (err: unknown) => err);
        expect(e).toBeInstanceOf(type);
        expect((e as Error).message).toBe(message(out));
      } finally {
        proto.run = original;
      }
      expect(daysPlaced).toBe(2);
      expect(injected).toBeGreaterThan(0);
      // the two days are in place, as a run of those days alone writes them; no staging, no lock
      expect(readdirSync(join(out, '_truth'))).toEqual(['dt=2024-01-01', 'dt=2024-01-02']);
      expect(digest(out)).toEqual(digest(alone));
    }
  });
});

describe('partitions moved aside by a killed run', () => {
  it('are removed when the new one is in place, restored when not, and left alone when not stale', async () => {
    const out = join(dir, 'raw-aside');
    const make = (path: string, text: string) => {
      mkdirSync(join(out, path), { recursive: true });
      writeFileSync(join(out, path, 'f.txt'), text);
    };
    make('shop/orders/dt=2024-01-05', 'new');
    make('shop/orders/.dt=2024-01-05.old-999999999', 'old'); // killed after the second rename
    make('_truth/.dt=2024-01-06.old-999999999', 'old truth'); // killed between the two renames
    // the swap of another live run (it has its staging folder) is left alone; this process's pid is
    // an earlier process's that had it (placement is synchronous: no swap of this process is ever
    // seen half done)
    const { spawn } = await import('node:child_process');
    const other = spawn('sleep', ['30']);
    mkdirSync(join(out, `.stratum-tmp-${other.pid}-${Date.now()}`), { recursive: true });
    make(`crm/customers/.dt=2024-01-07.old-${other.pid}`, 'a running swap');
    make('crm/customers/.dt=2024-01-09.old-1', 'a live process (pid 1) with no run in the lake');
    make('crm/customers/.dt=2024-01-07.old-999999999x', 'not a name the generator uses');
    make(`crm/customers/.dt=2024-01-08.old-${process.pid}`, 'killed between the two renames');
    try {
      await prepareOnly(out);
    } finally {
      other.kill();
    }
    expect(readdirSync(join(out, 'shop/orders'))).toEqual(['dt=2024-01-05']);
    expect(readFileSync(join(out, 'shop/orders/dt=2024-01-05/f.txt'), 'utf8')).toBe('new');
    expect(readdirSync(join(out, '_truth'))).toEqual(['dt=2024-01-06']);
    expect(readFileSync(join(out, '_truth/dt=2024-01-06/f.txt'), 'utf8')).toBe('old truth');
    expect(readdirSync(join(out, 'crm/customers')).sort()).toEqual([`.dt=2024-01-07.old-${other.pid}`, '.dt=2024-01-07.old-999999999x', 'dt=2024-01-08', 'dt=2024-01-09']);
  });
});
