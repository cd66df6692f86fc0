/**
 * `stratum clean`, as `dbt clean`: deletes the folders dbt_project.yml lists under `clean-targets`
 * (by default the target path). Like dbt 1.10, it refuses, before deleting anything, a folder
 * outside the project (the project folder itself included) unless told otherwise, and any of the
 * project's source folders (models, seeds, macros, tests, snapshots, analyses) or a folder holding one.
 * Each folder is first moved aside whole, then deleted file by file, so that a cancel leaves it
 * either in place or gone, never half deleted (what it left aside, the next clean deletes). Two
 * cleans of one project at once both succeed: what one finds gone, the other has deleted.
 */
import { renameSync } from 'node:fs';
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CancelledError } from '../errors.js';
import { within } from '../pathWithin.js';
import { readProjectFile } from './projectFile.js';

export interface CleanOptions {
  /** The project folder (default: the working directory). */
  readonly projectDir?: string;
  /** Refuse folders outside the project (dbt's --clean-project-files-only, its default). */
  readonly projectFilesOnly?: boolean;
  /** Called before and after each folder is deleted. */
  readonly onPath?: (phase: 'checking' | 'cleaned', path: string) => void;
  /** Stops the deleting, between files, when it aborts. */
  readonly signal?: AbortSignal;
}

/**
 * Where a clean-target is moved while it is deleted: a hidden folder beside it, named after it, its
 * name cut to 200 bytes of UTF-8 (whole characters) so that the aside's is within a name's 255.
 */
function asideOf(target: string): string {
  let name = '';
  let bytes = 0;
  for (const ch of basename(target)) {
    bytes += Buffer.byteLength(ch);
    if (bytes > 200) break;
    name += ch;
  }
  return join(dirname(target), `.${name}.stratum-clean`);
}

/** The entries of a folder deleted at once, between two looks at the cancel signal. */
const REMOVED_AT_ONCE = 64;

/**
 * Deletes `path` (a folder, file or link; a link is deleted, not followed) file by file. Returns
 * false, with some of it left, when `signal` aborts before it is gone. What is gone meanwhile is
 * done: another clean of the project, at the same time, deletes it too.
 */
async function removeUntilCancelled(path: string, signal: AbortSignal | undefined): Promise<boolean> {
  const st = await unlessGone(lstat(path));
  if (st?.isDirectory()) return removeFolder(path, signal);
  if (st) await unlessGone(unlink(path));
  return true;
}

/** removeUntilCancelled of a folder. */
async function removeFolder(path: string, signal: AbortSignal | undefined): Promise<boolean> {
  for (;;) {
    // some at a time: one by one, a folder of 100,000 small files took four times rmSync's 2 s
    const entries = await unlessGone(readdir(path, { withFileTypes: true }));
    if (entries === undefined) return true;
    for (let i = 0; i < entries.length; i += REMOVED_AT_ONCE) {
      if (signal?.aborted) return false;
      const removed = await Promise.all(entries.slice(i, i + REMOVED_AT_ONCE)
        .map((e) => (e.isDirectory() ? removeFolder(join(path, e.name), signal) : unlessGone(unlink(join(path, e.name))).then(() => true))));
      if (removed.includes(false)) return false;
    }
    try {
      await rmdir(path);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (gone(e as NodeJS.ErrnoException)) return true;
      // not empty: another clean moved its folder aside into this place once this one was gone
      // from it (it had begun deleting the same one), so what is there now is listed and deleted
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
    }
  }
}

/** Whether a file system error says that there is nothing at the path (it, or a folder on its way, is missing or not a folder). */
function gone(e: NodeJS.ErrnoException): boolean {
  return e.code === 'ENOENT' || e.code === 'ENOTDIR';
}

/** What `op` gives, or undefined when it fails because there is nothing at its path (gone). */
async function unlessGone<T>(op: Promise<T>): Promise<T | undefined> {
  try {
    return await op;
  } catch (e) {
    if (gone(e as NodeJS.ErrnoException)) return undefined;
    throw e;
  }
}

/**
 * Deletes the project's clean targets and returns their absolute paths, in the order listed.
 * Throws ConfigError naming `clean-targets` in dbt_project.yml: before deleting anything, when one
 * of them may not be cleaned; naming the folder too, when one cannot be deleted, or is still there
 * when it could not be moved aside (/proc's folders); CancelledError when `signal` aborts (the
 * folder being deleted is gone from its place by then: the rest of it, moved aside, goes with the
 * next clean).
 */
export async function cleanProject(opts: CleanOptions = {}): Promise<string[]> {
  const root = resolve(opts.projectDir ?? '.');
  const settings = readProjectFile(root);
  const targets = settings.cleanTargets.map((t) => resolve(root, t));
  const key = ['clean-targets'];
  const sources = [...settings.paths.model, ...settings.paths.seed, ...settings.paths.macro, ...settings.paths.test, ...settings.snapshotPaths, ...settings.analysisPaths]
    .map((p) => resolve(root, p));
  const protectedOnes = targets.filter((t) => sources.some((s) => within(s, t)));
  if (protectedOnes.length > 0) throw settings.file.error(`will not clean the project's source folders (or a folder holding one): ${protectedOnes.join(', ')}`, key);
  if (opts.projectFilesOnly !== false) {
    const outside = targets.filter((t) => t === root || !within(t, root));
    if (outside.length > 0) {
      throw settings.file.error(`will not clean folders outside the project: ${outside.join(', ')} (--no-clean-project-files-only allows it)`, key);
    }
  }
  for (const t of targets) {
    if (opts.signal?.aborted) throw new CancelledError();
    opts.onPath?.('checking', t);
    // what an earlier, cancelled clean left aside, then the folder, moved aside whole
    const aside = asideOf(t);
    let removed;
    try {
      removed = await removeUntilCancelled(aside, opts.signal);
      try {
        if (removed) renameSync(t, aside);
      } catch (e) {
        if (!gone(e as NodeJS.ErrnoException)) throw e;
        // nothing to move: none was there, or another clean moved it first; unless it is still
        // there, where renaming says it is not (/proc says ENOENT)
        if (await unlessGone(lstat(t)) !== undefined) throw new Error(`it is still there, and moving it aside failed (${(e as Error).message})`);
      }
      removed &&= await removeUntilCancelled(aside, opts.signal);
    } catch (e) {
      throw settings.file.error(`cannot delete ${t}: ${(e as Error).message.split('\n')[0]}`, key);
    }
    if (!removed) throw new CancelledError();
    opts.onPath?.('cleaned', t);
  }
  return targets;
}
