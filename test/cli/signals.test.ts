/**
 * Ctrl-C (SIGINT) and SIGTERM stop every command with exit 130 and one line on stderr, its query
 * interrupted and its warehouse closed: here `show` and `compile`, which have no cancel notice of
 * their own (generate's and build's are tested with them).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
