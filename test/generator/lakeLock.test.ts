/**
 * The lake's lock (generator/lakeLock.ts) where runs race for it and where the wall clock moves:
 * the interleavings are made by hand, through node:fs, never by timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishUnfinishedRuns, prepareLakeFolder, releaseStaging } from '../../generator/lakeFolder.js';
import { acquireLock, alive, clearStaleLock, releaseLock } from '../../generator/lakeLock.js';
import { tempDir } from '../tempDir.js';

const dir = tempDir('stratum-lock-');
/** A live process that is no run of this one: it stands for another run of `stratum generate`. */
let other: ChildProcess;
let pid: number;
beforeAll(() => {
  other = spawn('sleep', ['60']);
  pid = other.pid!;
});
afterAll(() => {
  other.kill();
});

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
function startTicks(p: number): string {
  const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

/**
 * Runs `body` with node:fs's readFileSync calling `onRead(file)` after it has read a file (and
 * failing with ENOENT for /proc when `noProc`), as if another process acted right then.
 */
async function withReads<T>(onRead: (file: string) => void, body: () => T, noProc = false): Promise<T> {
  const fs = (await import('node:fs')).default;
  const { syncBuiltinESMExports } = await import('node:module');
  const read = fs.readFileSync;
  fs.readFileSync = ((file: string, ...rest: [BufferEncoding]) => {
    if (noProc && String(file).startsWith('/proc/')) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${String(file)}'`), { code: 'ENOENT', path: String(file) });
    }
    const text = read(file, ...rest);
    onRead(String(file));
    return text;
  }) as typeof fs.readFileSync;
  syncBuiltinESMExports();
  try {
    return body();
  } finally {
    fs.readFileSync = read;
    syncBuiltinESMExports();
  }
}

/** The lake's lock as another run (the live `other`) makes it, with its staging folder. */
function takenByOther(out: string): string {
  const lock = `${pid} ${Date.now()} ${startTicks(pid)}`;
  rmSync(join(out, '.stratum-lock'), { force: true });
  writeFileSync(join(out, '.stratum-lock'), lock);
  mkdirSync(join(out, `.stratum-tmp-${pid}-${Date.now()}`));
  return lock;
}

describe('two runs that find the same stale lock', () => {
  it('leave the lock of the one that took it over first: the other is refused', async () => {
    const out = join(dir, 'race');
    mkdirSync(out);
    writeFileSync(join(out, '.stratum-lock'), `999999999 ${Date.now()}`); // a killed run's
    // this run reads the stale lock; right then the other run, which judged it stale too, takes it over
    let lock = '';
    const once = (file: string) => {
      if (file === join(out, '.stratum-lock') && lock === '') lock = takenByOther(out);
    };
    await withReads(once, () => {
      expect(() => acquireLock(out, out)).toThrow(`cannot write the lake into ${out}: another 'stratum generate' (pid ${pid}) is writing into it`);
    });
    expect(readFileSync(join(out, '.stratum-lock'), 'utf8')).toBe(lock);
    expect(readdirSync(out).filter((f) => f.startsWith('.stratum-lock'))).toEqual(['.stratum-lock']);
  });

  it('and `stratum start` clearing it as the other run takes it over leaves the other run\'s', async () => {
    const out = join(dir, 'race-start');
    mkdirSync(out);
    writeFileSync(join(out, '.stratum-lock'), `999999999 ${Date.now()}`);
    let lock = '';
    await withReads((file) => {
      if (file === join(out, '.stratum-lock') && lock === '') lock = takenByOther(out);
    }, () => clearStaleLock(out));
    expect(readFileSync(join(out, '.stratum-lock'), 'utf8')).toBe(lock);
  });

  it('wait for a live run taking the lock over, and take over after a run killed while doing it', () => {
    const out = join(dir, 'marks');
    mkdirSync(out);
    const stale = `999999999 ${Date.now()}`;
    writeFileSync(join(out, '.stratum-lock'), stale);
    const mark = (n: number) => join(out, `.stratum-lock.taking-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}-${n}`);
    // the live run taking it over has marked it: this run waits, and is refused while it lasts
    symlinkSync(`${pid} ${Date.now()} ${startTicks(pid)}`, mark(0));
    expect(() => acquireLock(out, out)).toThrow(`another 'stratum generate' (pid ${pid}) is writing into it`);
    expect(readFileSync(join(out, '.stratum-lock'), 'utf8')).toBe(stale);
    // a run killed while taking it over: the next takes it over, and its marks go
    rmSync(mark(0));
    symlinkSync(`999999999 ${Date.now()}`, mark(0));
    acquireLock(out, out);
    expect(readFileSync(join(out, '.stratum-lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    expect(readdirSync(out)).toEqual(['.stratum-lock']);
    releaseLock(out);
    // what killed runs left beside a lock that is gone goes with the next reader's tidying
    symlinkSync(`999999999 ${Date.now()}`, mark(0));
    writeFileSync(join(out, '.stratum-lock.new-999999999-1-1'), '999999999 1 1');
    clearStaleLock(out);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('on a file system with no links (FAT, exFAT)', () => {
  it('makes and takes over locks as files, and waits for a live run\'s mark', async () => {
    const fs = (await import('node:fs')).default;
    const { syncBuiltinESMExports } = await import('node:module');
    const { linkSync: link, symlinkSync: symlink } = fs;
    const eperm = (call: string) => () => {
      throw Object.assign(new Error(`EPERM: operation not permitted, ${call}`), { code: 'EPERM', syscall: call });
    };
    fs.linkSync = eperm('link');
    fs.symlinkSync = eperm('symlink');
    syncBuiltinESMExports();
    try {
      const out = join(dir, 'fat');
      mkdirSync(out);
      const stale = `999999999 ${Date.now()}`;
      writeFileSync(join(out, '.stratum-lock'), stale);
      const mark = join(out, `.stratum-lock.taking-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}-0`);
      writeFileSync(mark, `${pid} ${Date.now()} ${startTicks(pid)}`);
      expect(() => acquireLock(out, out)).toThrow(`another 'stratum generate' (pid ${pid}) is writing into it`);
      rmSync(mark);
      acquireLock(out, out);
      expect(readFileSync(join(out, '.stratum-lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
      expect(() => acquireLock(out, out)).toThrow('this process');
      releaseLock(out);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      fs.linkSync = link;
      fs.symlinkSync = symlink;
      syncBuiltinESMExports();
    }
  });
});

describe('a lock of a live pid', () => {
  it('is its process\'s while its start in clock ticks is the lock\'s, whatever the wall clock did; by the clock without /proc', async () => {
    const out = join(dir, 'ticks');
    mkdirSync(out);
    mkdirSync(join(out, `.stratum-tmp-${pid}-1`));
    const ticks = startTicks(pid);
    // made a minute before its process started by the wall clock (set forward by a minute since):
    // the same start in ticks, so the run's own
    const lock = `${pid} ${Date.now() - 60_000} ${ticks}`;
    writeFileSync(join(out, '.stratum-lock'), lock);
    expect(() => acquireLock(out, out)).toThrow(`another 'stratum generate' (pid ${pid}) is writing into it`);
    expect(readFileSync(join(out, '.stratum-lock'), 'utf8')).toBe(lock);
    // made now by the clock, by a process that started a tick before this one: its pid is reused
    const reused = `${pid} ${Date.now()} ${Number(ticks) - 1}`;
    expect(alive(pid, Date.now(), String(Number(ticks) - 1))).toBe(false);
    writeFileSync(join(out, '.stratum-lock'), reused);
    acquireLock(out, out);
    releaseLock(out);
    // without /proc, the time is all there is: started after the lock by the clock is another process
    await withReads(() => undefined, () => {
      expect(alive(pid, Date.now(), String(Number(ticks) - 1))).toBe(true);
      expect(alive(pid, Date.now() - 60_000, ticks)).toBe(true); // no start known: alive
    }, true);
    expect(alive(pid, Date.now() - 60_000)).toBe(false); // the lock of two fields, with /proc
    expect(alive(pid, Date.now() - 60_000, ticks)).toBe(true);
  });

  it('is made with this process\'s start in ticks', () => {
    const out = join(dir, 'own');
    mkdirSync(out);
    acquireLock(out, out);
    expect(readFileSync(join(out, '.stratum-lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+ ${startTicks(process.pid)}$`));
    releaseLock(out);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('a staging folder of a live pid', () => {
  it('is its run\'s while its start in ticks is the one in its name, whatever the wall clock did', () => {
    const out = join(dir, 'staging');
    mkdirSync(out);
    const ticks = startTicks(pid);
    // made a minute before its process started by the wall clock (set forward since): the run's own
    const live = `.stratum-tmp-${pid}-${Date.now() - 60_000}-${ticks}`;
    // made now, by a process that started a tick before the one with its pid now: a killed run's
    const reused = `.stratum-tmp-${pid}-${Date.now()}-${Number(ticks) - 1}`;
    mkdirSync(join(out, live));
    mkdirSync(join(out, reused));
    finishUnfinishedRuns(out, out);
    expect(readdirSync(out)).toEqual([live]);
  });

  it('is named with its process\'s start in ticks', () => {
    const out = join(dir, 'own-staging');
    const { staging } = prepareLakeFolder(out, out, { seed: 42, scale: 1, rules: 'x', formats: {}, from: '2024-01-05', to: '2024-01-05' });
    try {
      expect(staging).toMatch(new RegExp(`/\\.stratum-tmp-${process.pid}-\\d+-${startTicks(process.pid)}$`));
    } finally {
      releaseStaging(staging);
    }
    expect(readdirSync(out)).toEqual([]);
  });
});
