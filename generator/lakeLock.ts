/**
 * One run at a time writes into a lake: its lock file, and how a run is known to be alive. Two
 * runs at once could leave a day with some sources of each, so the second is refused while the
 * first holds the lock (see DESIGN §2 and generator/lakeFolder.ts, which takes and releases it).
 */
import { createHash } from 'node:crypto';
import { linkSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataError, UsageError } from '../src/errors.js';
import { readText } from './readText.js';

/**
 * A run's hidden staging folder in the lake, named by its pid, when it was made, and when its
 * process started in clock ticks since boot (none without /proc, or made by an older Stratum):
 * stagingName, alive.
 */
export const STAGING = /^\.stratum-tmp-(\d+)-(\d+)(?:-(\d+))?/;

/** Field 22 of /proc/PID/stat (`self` for this process): when it started, in clock ticks since boot, or undefined without /proc. */
function startTicks(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command's name in parentheses, from the third (state); the 22nd is the start
    const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return /^\d+$/.test(ticks ?? '') ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When the process with this pid started, in ms since the epoch, or undefined when that cannot be
 * known (not Linux, no such process). From /proc: the start in clock ticks since boot (Linux's
 * USER_HZ, 100 a second) and the boot time in whole seconds, so it is at most a second early. The
 * boot time follows the wall clock when it is set, so this moves with it.
 */
function startedAt(pid: number): number | undefined {
  try {
    const ticks = Number(startTicks(pid));
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const ms = boot * 1000 + ticks * 10;
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a process with this pid is running and may be the one that made something: when
 * `ticks` (its start in clock ticks since boot, startTicks) is given and /proc shows the pid's, it
 * is that process exactly when they are equal, whatever the wall clock did since. Else, when
 * `since` (ms since the epoch) is given, a process that started well after (2 s, for clocks set
 * meanwhile) reuses the pid of one that is gone, as after a reboot, or in a container whose first
 * processes get the same pids each time.
 */
export function alive(pid: number, since?: number, ticks?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = ticks === undefined ? undefined : startTicks(pid);
  if (now !== undefined) return now === ticks;
  const started = since === undefined || !Number.isFinite(since) ? undefined : startedAt(pid);
  return started === undefined || started <= since! + 2000;
}

/**
 * The lake's lock, held by the one run writing into it (two at once could leave a day with some
 * sources of each): `<pid> <ms since epoch> <start ticks>` (startTicks; a lock of an older Stratum,
 * or made without /proc, has no third field), removed when the run ends. A lock whose process is
 * gone, or is another process with its pid (another start in ticks; with no ticks, started after
 * the lock was made), or that has no staging folder of its pid and a time more than ten seconds
 * from the clock (the file is not a run's), is stale and is taken over (see takeOver).
 */
const LOCK = '.stratum-lock';

/**
 * This process as a lock (or a take-over's mark) names it: `<pid> <ms> <ticks>`. Its start is
 * read once: it does not change.
 */
const ownTicks = startTicks('self');
function ownMark(): string {
  return `${process.pid} ${Date.now()}${ownTicks === undefined ? '' : ` ${ownTicks}`}`;
}

/** The name of a new staging folder of this process (STAGING). */
export function stagingName(): string {
  return `.stratum-tmp-${ownMark().replace(/ /g, '-')}`;
}

/** Whether the process that a lock's or a mark's text names is alive (`<pid> <ms> [<ticks>]`). */
function markAlive(text: string): boolean {
  const [pid, ms, ticks] = text.split(' ');
  // a pid of 0 or below probes a process group, which is always "alive": no run's
  return /^\d+$/.test(pid) && Number(pid) > 0 && alive(Number(pid), Number(ms), /^\d+$/.test(ticks ?? '') ? ticks : undefined);
}

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

/**
 * The text of the lake's lock, or undefined when there is none. Throws DataError naming the lock
 * (in the lake `shown`, as the user wrote it) when it is a symbolic link: no run makes one (see
 * makeLock), and through it a run would read any file of the machine (or wait for ever on a
 * pipe), take a dangling one for a lock released and made again, for ever, and remove it; or
 * when it is anything else but a file (a named pipe, a folder).
 */
function readLock(outDir: string, shown: string): string | undefined {
  const file = join(outDir, LOCK);
  const st = lstatSync(file, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) {
    throw new DataError(`is a symbolic link to ${readlinkSync(file)}; remove the link (a run's lock is never one)`, join(shown, LOCK));
  }
  // a named pipe would be waited on for ever, a folder read as an error
  if (st && !st.isFile()) {
    const what = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a named pipe' : st.isSocket() ? 'a socket' : 'a device';
    throw new DataError(`is ${what}, not a file; remove it (a run's lock is always a file)`, join(shown, LOCK));
  }
  try {
    return readText(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The pid holding the lake's lock whose text is `text`, or undefined when it is stale. */
function holderOf(outDir: string, text: string): number | undefined {
  const [pid, ms] = text.split(' ').map(Number);
  // this process's own run, whatever its staging; or an earlier process's that had this pid
  if (pid === process.pid) return held.has(lakeKey(outDir)) ? pid : undefined;
  if (!markAlive(text)) return undefined;
  const staging = readdirSync(outDir).some((f) => STAGING.exec(f)?.[1] === String(pid));
  // a time far ahead of the clock is no run that has just begun (it held the lake for good)
  return staging || Math.abs(Date.now() - ms) < 10_000 ? pid : undefined;
}

/** The name of the marks of a take-over of the lock whose text is `judged`, but for their number (takeOver). */
function takeOverMarks(judged: string): string {
  return `${LOCK}.taking-${createHash('sha256').update(judged).digest('hex').slice(0, 16)}-`;
}

/**
 * Removes the lake's lock if it is still the stale one whose text is `judged`, and only then.
 * Two runs may judge the same lock stale: the first to remove it then makes its own, which the
 * second must not remove. So the runs taking over one lock take turns by marks made exclusively
 * (symbolic links, made whole in one call, naming the run that made them; files where there are
 * no links, see makeWhole, which a reader could find empty for a moment): the run that makes
 * mark 0 (or mark n+1, when the run of mark n is gone: killed while taking over) is the one taking
 * it over. It reads the lock again: no run can remove or replace a lock of a process that is gone
 * but the one taking it over, and no two texts of live or dead runs' locks are the same (a pid, a
 * time and a start), so a lock with the judged text is the stale lock, and it is removed; any
 * other is left. Returns the pid of a live run that is taking the lock over (this one then waits),
 * or undefined. Throws DataError when the lock has become a symbolic link (readLock; `shown` is
 * the lake as the user wrote it).
 */
function takeOver(outDir: string, shown: string, judged: string): number | undefined {
  const marks = takeOverMarks(judged);
  for (let n = 0; ; n++) {
    const mark = join(outDir, `${marks}${n}`);
    try {
      makeWhole(mark, ownMark(), (text, to) => symlinkSync(text, to));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let other: string;
      try {
        other = readMark(mark);
      } catch (e2) {
        // removed by the run that took the lock over: the stale lock is gone
        if ((e2 as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e2;
      }
      if (markAlive(other)) return Number(other.split(' ')[0]);
      continue; // a run killed while taking it over
    }
    try {
      if (readLock(outDir, shown) === judged) rmSync(join(outDir, LOCK), { force: true });
      return undefined;
    } finally {
      // this run's mark, and those of the runs gone before it: the lock they were for is gone
      for (let i = n; i >= 0; i--) rmSync(join(outDir, `${marks}${i}`), { force: true });
    }
  }
}

/**
 * Makes file `to` holding `text` whole, in one call (`make`: a hard link of a file written first,
 * or a symbolic link), so that no reader finds it empty; on a file system with no such links (FAT,
 * exFAT: EPERM) made exclusively and then written. Throws EEXIST when `to` exists.
 */
function makeWhole(to: string, text: string, make: (text: string, to: string) => void): void {
  try {
    make(text, to);
  } catch (e) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    writeFileSync(to, text, { flag: 'wx' });
  }
}

/** The text of a take-over's mark: a symbolic link's target, or a file's text where there are none. */
function readMark(mark: string): string {
  try {
    return readlinkSync(mark);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EINVAL') return readText(mark);
    throw e;
  }
}

/**
 * Makes the lake's lock with this process's text (see makeWhole): written to a file of this
 * process, then linked as the lock. Returns whether it made it: false when there is a lock.
 */
function makeLock(outDir: string): boolean {
  const text = ownMark();
  const own = join(outDir, `${LOCK}.new-${text.replace(/ /g, '-')}`);
  try {
    writeFileSync(own, text);
  } catch (e) {
    // the lock is what cannot be made (a folder that may not be written)
    (e as NodeJS.ErrnoException).path = join(outDir, LOCK);
    throw e;
  }
  try {
    makeWhole(join(outDir, LOCK), text, (_, to) => linkSync(own, to));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(own, { force: true });
  }
}

/** The error of a run refused the lake that the run of `pid` holds. */
function refused(shown: string, pid: number): UsageError {
  return new UsageError(`cannot write the lake into ${shown}: another 'stratum generate' (pid ${pid}${pid === process.pid ? ', this process' : ''}) is writing into it; wait for it to finish, or name another folder`);
}

/**
 * Takes the lake's lock for this process. Throws UsageError naming the run that holds it (or is
 * taking a stale one over, and still is after a second); DataError naming the lock (in the lake
 * `shown`, as the user wrote it) when it is a symbolic link (readLock).
 */
export function acquireLock(outDir: string, shown: string): void {
  for (let tries = 1; ; tries++) {
    if (makeLock(outDir)) {
      held.add(lakeKey(outDir));
      return;
    }
    const judged = readLock(outDir, shown);
    if (judged === undefined) continue; // released meanwhile
    const holder = holderOf(outDir, judged);
    if (holder !== undefined) throw refused(shown, holder);
    const taker = takeOver(outDir, shown, judged);
    if (taker === undefined) continue; // stale: taken over (by this run, or another)
    if (tries === 100) throw refused(shown, taker);
    // another run is taking the stale lock over, which takes it a moment
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
}

/** Removes the lake's lock if this process holds it. */
export function releaseLock(outDir: string): void {
  held.delete(lakeKey(outDir));
  try {
    if (readLock(outDir, outDir)?.split(' ')[0] === String(process.pid)) rmSync(join(outDir, LOCK), { force: true });
  } catch {
    // a folder removed under the run, or a lock that is not this run's (a link): nothing to release
  }
}

/**
 * Removes the lake's lock when its run is gone (a killed run's lock goes with its staging), and
 * what runs killed while taking the lock left: the files they were making their lock of, and the
 * marks of a take-over of a lock that is gone (one listed before the lock is read: a lock's text
 * never comes back once it is gone, so no run can be taking it over any more). Throws DataError
 * naming the lock (in the lake `shown`, as the user wrote it) when it is a symbolic link (readLock).
 */
export function clearStaleLock(outDir: string, shown = outDir): void {
  const left = readdirSync(outDir).filter((f) => f.startsWith(`${LOCK}.`));
  const judged = readLock(outDir, shown);
  const current = judged === undefined ? undefined : takeOverMarks(judged);
  for (const f of left) {
    const own = /^\.stratum-lock\.new-(.+)$/.exec(f);
    if (own ? !markAlive(own[1].replace(/-/g, ' ')) : f.startsWith(`${LOCK}.taking-`) && (current === undefined || !f.startsWith(current))) rmSync(join(outDir, f), { force: true });
  }
  if (judged !== undefined && holderOf(outDir, judged) === undefined) takeOver(outDir, shown, judged);
}
