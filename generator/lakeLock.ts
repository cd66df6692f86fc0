/**
 * One run at a time writes into a lake: its lock file, and how a run is known to be alive. Two
 * runs at once could leave a day with some sources of each, so the second is refused while the
 * first holds the lock (see DESIGN §2 and generator/lakeFolder.ts, which takes and releases it).
 */
import { readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../src/errors.js';
import { readText } from './readText.js';

/** A run's hidden staging folder in the lake, named by its pid and when it was made (see prepareLakeFolder). */
export const STAGING = /^\.stratum-tmp-(\d+)-(\d+)/;

/**
 * When the process with this pid started, in ms since the epoch, or undefined when that cannot be
 * known (not Linux, no such process). From /proc: the start in clock ticks since boot (Linux's
 * USER_HZ, 100 a second) and the boot time in whole seconds, so it is at most a second early.
 */
function startedAt(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command's name in parentheses, from the third (state); the 22nd is the start
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const ms = boot * 1000 + ticks * 10;
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a process with this pid is running and, when `since` (ms since the epoch) is given,
 * may be the one that made something then: a process that started well after (2 s, for clocks
 * set meanwhile) reuses the pid of one that is gone, as after a reboot, or in a container whose
 * first processes get the same pids each time.
 */
export function alive(pid: number, since?: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = since === undefined || !Number.isFinite(since) ? undefined : startedAt(pid);
  return started === undefined || started <= since! + 2000;
}

/**
 * The lake's lock, held by the one run writing into it (two at once could leave a day with some
 * sources of each): `<pid> <ms since epoch>`, made exclusively, removed when the run ends. A lock
 * whose process is gone, or started after the lock was made, or that has no staging folder of its
 * pid and a time more than ten seconds from the clock (the pid was reused, or the file is not a
 * run's), is stale and is taken over.
 */
const LOCK = '.stratum-lock';

/**
 * The lakes (real paths, see lakeKey) whose lock this process holds. A lock naming this process's
 * pid that is not one of them was left by an earlier process that had the same pid, and is stale:
 * the first process of a container has the same pid each time, so a run killed in one would
 * otherwise lock its lake for every later run (as "this process").
 */
const held = new Set<string>();

/**
 * The lake folder `outDir` as `held` knows it: its real path, so that a run naming it through a
 * symbolic link (or /tmp for /private/tmp) finds the lock another run of this process holds;
 * its resolved path when it is gone.
 */
function lakeKey(outDir: string): string {
  try {
    return realpathSync(outDir);
  } catch {
    return resolve(outDir);
  }
}

/** The pid holding the lake's lock, or undefined when none does (no lock, or a stale one). */
function lockHolder(outDir: string): number | undefined {
  let text: string;
  try {
    text = readText(join(outDir, LOCK));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const [pid, ms] = text.split(' ').map(Number);
  // this process's own run, whatever its staging; or an earlier process's that had this pid
  if (pid === process.pid) return held.has(lakeKey(outDir)) ? pid : undefined;
  // a pid of 0 or below probes a process group, which is always "alive": no run's
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid, ms)) return undefined;
  const staging = readdirSync(outDir).some((f) => STAGING.exec(f)?.[1] === String(pid));
  // a time far ahead of the clock is no run that has just begun (it held the lake for good)
  return staging || Math.abs(Date.now() - ms) < 10_000 ? pid : undefined;
}

/** Takes the lake's lock for this process. Throws UsageError naming the run that holds it. */
export function acquireLock(outDir: string, shown: string): void {
  const lock = join(outDir, LOCK);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lock, `${process.pid} ${Date.now()}`, { flag: 'wx' });
      held.add(lakeKey(outDir));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
    }
    const holder = lockHolder(outDir);
    if (holder !== undefined) {
      throw new UsageError(`cannot write the lake into ${shown}: another 'stratum generate' (pid ${holder}${holder === process.pid ? ', this process' : ''}) is writing into it; wait for it to finish, or name another folder`);
    }
    rmSync(lock, { force: true }); // stale: taken over
  }
}

/** Removes the lake's lock if this process holds it. */
export function releaseLock(outDir: string): void {
  held.delete(lakeKey(outDir));
  try {
    if (readText(join(outDir, LOCK)).split(' ')[0] === String(process.pid)) rmSync(join(outDir, LOCK), { force: true });
  } catch {
    // no lock (a folder removed under the run): nothing to release
  }
}

/** Removes the lake's lock when its run is gone (a killed run's lock goes with its staging). */
export function clearStaleLock(outDir: string): void {
  if (lockHolder(outDir) === undefined) rmSync(join(outDir, LOCK), { force: true });
}
