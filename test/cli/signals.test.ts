/**
 * Ctrl-C (SIGINT) and SIGTERM stop every command with exit 130 and one line on stderr, its query
 * interrupted and its warehouse closed: here `show`, `compile`, `ls`, `parse` and `clean`, which
 * have no cancel notice of their own (generate's and build's are tested with them).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBAdapter } from '../../src/engine/duckdb/duckdbAdapter.js';

/** A query that runs far longer than any test: 10^14 rows counted. */
const SLOW = 'select count(*) as n from range(1000000000) a, range(100000) b';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-signals-'));
  await mkdir(join(dir, 'models'));
  await writeFile(join(dir, 'dbt_project.yml'), 'name: slow\nprofile: slow\nconfig-version: 2\nmodel-paths: [models]\n');
  await writeFile(join(dir, 'models', 'slow.sql'), `{% set r = run_query("${SLOW}") %}\nselect 1 as x\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a profile whose DuckDB file is `db`. */
const profile = (db: string) => writeFile(join(dir, 'profiles.yml'), `slow:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ${db}\n      threads: 1\n`);

/** Whether process `pid` has `file` open (Linux: its /proc fd links). */
function hasOpen(pid: number, file: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Runs `stratum argv`, sends `signal` once `ready(pid)` holds (checked every 50 ms), and returns
 * how it ended.
 */
async function interrupted(argv: readonly string[], signal: NodeJS.Signals, ready: (pid: number) => boolean): Promise<{ code: number | null; by: NodeJS.Signals | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['bin/stratum.js', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const poll = setInterval(() => {
    if (ready(child.pid!)) {
      clearInterval(poll);
      child.kill(signal);
    }
  }, 50);
  const [code, by] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearInterval(poll);
  return { code, by, out, err };
}

describe.runIf(process.platform === 'linux')('a signal during a command with no cancel notice of its own', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s stops `stratum show` in its query: exit 130, one line, its DuckDB file left usable', async (signal) => {
    const db = join(dir, `show-${signal}.duckdb`);
    await profile(db);
    const r = await interrupted(['show', '--inline', SLOW, '--project-dir', dir, '--profiles-dir', dir], signal, (pid) => hasOpen(pid, db));
    expect(r).toEqual({ code: 130, by: null, out: '', err: '\nCancelling stratum show (Ctrl-C again to stop at once)\n' });
    // the file opens again
    const again = new DuckDBAdapter({ path: db });
    await again.connect();
    await again.close();
  });

  it('SIGINT stops `stratum compile` in a run_query of a template: exit 130, one line, nothing compiled', async () => {
    const db = join(dir, 'compile.duckdb');
    await profile(db);
    // compile reads a warehouse that exists
    const made = new DuckDBAdapter({ path: db });
    await made.connect();
    await made.close();
    const r = await interrupted(['compile', '--project-dir', dir, '--profiles-dir', dir], 'SIGINT', (pid) => hasOpen(pid, db));
    expect(r).toEqual({ code: 130, by: null, out: '', err: '\nCancelling stratum compile (Ctrl-C again to stop at once)\n' });
    expect(existsSync(join(dir, 'target', 'manifest.json'))).toBe(false);
  });
});

describe.runIf(process.platform === 'linux')('a signal during a command\'s synchronous work', () => {
  /**
   * A project with a model that is a named pipe: loading it blocks in reading the pipe until the
   * test has sent the signal and written the model (so that the signal comes during the load,
   * which reads every file in one go). Returns the folder and a `ready` for interrupted().
   */
  function pipedProject(name: string): { project: string; ready: () => boolean } {
    const project = join(dir, name);
    mkdirSync(join(project, 'models'), { recursive: true });
    writeFileSync(join(project, 'dbt_project.yml'), `name: ${name.replace('-', '_')}\nprofile: slow\nconfig-version: 2\nmodel-paths: [models]\n`);
    writeFileSync(join(project, 'profiles.yml'), `slow:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ${join(project, 'w.duckdb')}\n`);
    writeFileSync(join(project, 'models', 'a.sql'), 'select 1 as x\n');
    const pipe = join(project, 'models', 'piped.sql');
    expect(spawnSync('mkfifo', [pipe]).status).toBe(0);
    let writer: FileHandle | undefined;
    // opened once the command opens it to read
    void open(pipe, 'w').then((h) => (writer = h));
    const ready = () => {
      if (!writer) return false;
      const w = writer;
      // after the signal, sent as this returns
      setImmediate(() => void w.writeFile('select 2 as x\n').then(() => w.close()));
      return true;
    };
    return { project, ready };
  }

  it('SIGINT during `stratum ls`\'s load of the project: exit 130, one line, nothing listed', async () => {
    const { project, ready } = pipedProject('ls-piped');
    const r = await interrupted(['ls', '--project-dir', project, '--profiles-dir', project], 'SIGINT', ready);
    expect(r).toEqual({ code: 130, by: null, out: '', err: '\nCancelling stratum ls (Ctrl-C again to stop at once)\n' });
  });

  it('SIGINT during `stratum parse`\'s load of the project: exit 130, one line, no manifest written', async () => {
    const { project, ready } = pipedProject('parse-piped');
    const r = await interrupted(['parse', '--project-dir', project, '--profiles-dir', project], 'SIGINT', ready);
    expect(r).toEqual({ code: 130, by: null, out: '', err: '\nCancelling stratum parse (Ctrl-C again to stop at once)\n' });
    expect(existsSync(join(project, 'target'))).toBe(false);
  });

  it('SIGINT during `stratum clean` of a large folder: exit 130, one line, the folder gone whole, the next clean finishing', () => {
    const project = join(dir, 'clean-large');
    const target = join(project, 'target');
    // more folders than the clean deletes at once (64), so that it stops between two lots of them
    for (let i = 0; i < 100; i++) {
      mkdirSync(join(target, 'compiled', `d${i}`), { recursive: true });
      for (let j = 0; j < 10; j++) writeFileSync(join(target, 'compiled', `d${i}`, `f${j}.sql`), 'select 1 as x\n');
    }
    writeFileSync(join(project, 'dbt_project.yml'), 'name: large\nprofile: slow\nconfig-version: 2\n');
    // the signal at the first file deleted, handled before that deletion ends (interruptAtUnlink.ts)
    const child = spawnSync(process.execPath, ['--import', 'tsx', resolve('test/cli/interruptAtUnlink.ts'), 'clean', '--project-dir', project], { encoding: 'utf8', timeout: 60_000 });
    const r = { code: child.status, by: child.signal, out: child.stdout, err: child.stderr };
    const stamp = /^\d\d:\d\d:\d\d {2}/gm;
    expect({ ...r, out: r.out.replace(stamp, '') }).toEqual({ code: 130, by: null, out: `Checking ${target}/*\n`, err: '\nCancelling stratum clean (Ctrl-C again to stop at once)\n' });
    // not half deleted in its place: gone from it, the rest left aside for the next clean
    expect(existsSync(target)).toBe(false);
    const aside = join(project, '.target.stratum-clean');
    expect(existsSync(aside)).toBe(true);
    mkdirSync(target);
    writeFileSync(join(target, 'manifest.json'), '{}');
    const again = spawnSync(process.execPath, ['bin/stratum.js', 'clean', '--project-dir', project], { encoding: 'utf8' });
    expect({ code: again.status, out: again.stdout.replace(stamp, ''), err: again.stderr }).toEqual({ code: 0, out: `Checking ${target}/*\nCleaned ${target}/*\nFinished cleaning all paths.\n`, err: '' });
    expect(readdirSync(project)).toEqual(['dbt_project.yml']);
  });
});
