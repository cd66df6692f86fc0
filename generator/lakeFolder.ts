/**
 * The lake's folder on disk: making it (and reporting in one line every way it cannot be made),
 * the hidden staging folder a run writes into, tidying what killed runs left behind, and swapping
 * a day's new partition in for the old one.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../src/errors.js';
import { SOURCES } from './sources/index.js';

/** The hidden name a partition `dt=…` is moved aside to while its new version is renamed in. */
const ASIDE = /^\.(dt=\d{4}-\d{2}-\d{2})\.old-(\d+)$/;

/** Replaces directory `target` by `staged` atomically enough: old moved aside, new renamed in. */
export function swapInto(staged: string, target: string): void {
  mkdirSync(resolve(target, '..'), { recursive: true });
  // a run killed between the two renames leaves `old` behind: removeStaleAside tidies it up
  const old = join(resolve(target, '..'), `.${target.split('/').pop()}.old-${process.pid}`);
  if (existsSync(target)) renameSync(target, old);
  renameSync(staged, target);
  rmSync(old, { recursive: true, force: true });
}

/** Whether a process with this pid is running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes staging folders left by generator runs that were killed (their pid is gone). */
function removeStaleStaging(outDir: string): void {
  for (const f of readdirSync(outDir)) {
    const m = /^\.stratum-tmp-(\d+)-/.exec(f);
    if (m && !alive(Number(m[1]))) rmSync(join(outDir, f), { recursive: true, force: true });
  }
}

/**
 * Tidies partitions that a killed run left moved aside by swapInto (`.dt=…old-PID`, pid gone):
 * removed when the new partition made it into place, renamed back when the run died before that.
 */
function removeStaleAside(outDir: string): void {
  for (const table of [...SOURCES.map((s) => s.name), '_truth']) {
    const dir = join(outDir, table);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      const m = ASIDE.exec(f);
      if (!m || alive(Number(m[2]))) continue;
      if (existsSync(join(dir, m[1]))) rmSync(join(dir, f), { recursive: true, force: true });
      else renameSync(join(dir, f), join(dir, m[1]));
    }
  }
}

/**
 * Makes folder `dir` (absolute) and its missing parents one level at a time: Node 20's recursive
 * mkdir spins forever on some paths (`/proc/x`). Throws UsageError naming `shown` (the folder as
 * the user wrote it) and, when it is not the folder itself, the file in the way.
 */
function makeLakeFolder(dir: string, shown: string): void {
  const missing: string[] = [];
  for (let p = dir; ; p = dirname(p)) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOTDIR: something above is a file; the walk up reaches it
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(p) !== p) {
        missing.push(p);
        continue;
      }
      throw lakeFolderError(e, shown);
    }
    if (isDir) break;
    throw new UsageError(`cannot write the lake into ${shown}: ${p === dir ? 'it is' : `${pathAsGiven(p, shown)} is`} a file, not a folder`);
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(p).isDirectory()) throw lakeFolderError(e, shown);
    }
  }
}

/** What a failed file-system call was trying to do, by node's `syscall` name. */
const FS_VERBS: Readonly<Record<string, string>> = { mkdir: 'cannot create', scandir: 'cannot list', rename: 'cannot move', rm: 'cannot remove', stat: 'cannot look at' };

/** Path `p` spelled like the lake folder `shown` was: relative to the working folder if that was. */
function pathAsGiven(p: string, shown: string): string {
  return isAbsolute(shown) ? p : relative(process.cwd(), p) || '.';
}

/**
 * A file-system error met while preparing the lake's folder `shown`, as a one-line UsageError;
 * anything that is not a file-system error is returned as it is.
 */
function lakeFolderError(e: unknown, shown: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (!(e instanceof Error) || !err.code || !err.syscall) return e;
  const verb = FS_VERBS[err.syscall] ?? err.syscall;
  // node's message is `EACCES: permission denied, mkdir '/x'`
  const why = /^\w+: ([^,]+),/.exec(err.message)?.[1] ?? err.code;
  return new UsageError(`cannot write the lake into ${shown}: ${verb} ${err.path ? pathAsGiven(err.path, shown) : 'it'}: ${why} (${err.code})`);
}

/**
 * Makes the lake's folder `outDir` (absolute; `shown` as the user wrote it), removes what killed
 * runs left in it, and makes a new hidden staging folder in it, whose path it returns. Throws a
 * one-line UsageError naming the folder and the cause when any of that fails.
 */
export function prepareLakeFolder(outDir: string, shown: string): string {
  makeLakeFolder(outDir, shown);
  const staging = join(outDir, `.stratum-tmp-${process.pid}-${Date.now()}`);
  try {
    removeStaleStaging(outDir);
    removeStaleAside(outDir);
    mkdirSync(staging);
  } catch (e) {
    throw lakeFolderError(e, shown);
  }
  return staging;
}
