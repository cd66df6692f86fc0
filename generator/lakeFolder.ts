/**
 * The lake's folder on disk: making it (and reporting in one line every way it cannot be made),
 * the hidden staging folder a run writes into, placing a staged batch day by day through a
 * journal, and completing or tidying what killed runs left behind.
 *
 * A day is one unit: its partitions of every source and its truth manifest. A batch is staged in
 * full (files and manifests), then a journal (`placing.json`) is written, and only then are the
 * days swapped in, each day's manifest last. A run killed during placement leaves its staging
 * folder with the journal; the next run into the lake finishes placing those days, so a day is
 * never left with some sources new and some old. A run killed before the journal leaves nothing
 * placed, and its staging folder is removed. One run at a time holds the lake (lakeLock.ts).
 */
import { accessSync, constants, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { DataError, UsageError } from '../src/errors.js';
import { acquireLock, alive, clearStaleLock, releaseLock, STAGING, stagingName } from './lakeLock.js';
import { readText } from './readText.js';
import { generateDayAgain, lakeDays, manifestFile, missingManifest, readManifest, refuseLinkOut, type TruthManifest } from './lakeManifest.js';
import { SOURCES } from './sources/index.js';

/** The hidden name a partition `dt=…` is moved aside to while its new version is renamed in. */
const ASIDE = /^\.(dt=\d{4}-\d{2}-\d{2})\.old-(\d+)$/;

/**
 * Whether there is an entry at `path`: a symbolic link is one whatever it points to, or if it
 * points to nothing (existsSync follows it, and takes a dangling one for no entry). A file on its
 * way (ENOTDIR) means none.
 */
function present(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw e;
  }
}

/**
 * Replaces directory `target` by `staged` atomically enough: old moved aside, new renamed in. A
 * symbolic link at `target` (dangling, or to a folder outside the lake) is replaced itself, and
 * what it points to is left as it is: renames and the removal of the old entry follow no link.
 */
function swapInto(staged: string, target: string): void {
  mkdirSync(resolve(target, '..'), { recursive: true });
  // a run killed between the two renames leaves `old` behind: removeStaleAside tidies it up
  const old = join(resolve(target, '..'), `.${target.split('/').pop()}.old-${process.pid}`);
  if (present(target)) renameSync(target, old);
  renameSync(staged, target);
  rmSync(old, { recursive: true, force: true });
}

/** The journal of a staged batch: its days in order, each with the sources that have a partition. */
const JOURNAL = 'placing.json';
interface Journal {
  days: { dt: string; sources: string[] }[];
}

/**
 * Staging folders of runs in this process that have not finished (see releaseStaging), each with
 * the folders its run made for the lake (see removeMadeFolders).
 */
const running = new Map<string, readonly string[]>();
// a process that exits with runs unfinished (a second Ctrl-C calls process.exit) releases their
// staging on the way out, and removes the folders they made if nothing was placed in them:
// placement is synchronous, so none is half-placed at an exit
process.on('exit', () => {
  for (const [staging, made] of [...running]) {
    try {
      releaseStaging(staging);
    } catch {
      // it cannot be removed (its lake's folder made read-only): the next run into the lake removes it
    }
    removeMadeFolders(made);
  }
});

/**
 * Writes the journal of batch folder `bDir`, whose sources' partitions and `_truth` manifests
 * are all staged, for arrival days `dts` (YYYY-MM-DD, in order). From here on the batch is
 * placed even if this process dies: the next run completes it.
 */
export function writeJournal(bDir: string, dts: readonly string[]): void {
  const journal: Journal = { days: dts.map((dt) => ({ dt, sources: SOURCES.map((s) => s.name).filter((n) => existsSync(join(bDir, n, `dt=${dt}`))) })) };
  // written aside and renamed, so that a journal is never read half-written
  writeFileSync(join(bDir, `${JOURNAL}.part`), JSON.stringify(journal));
  renameSync(join(bDir, `${JOURNAL}.part`), join(bDir, JOURNAL));
}

/**
 * Reads the journal of batch folder `bDir`. Throws UsageError when it is not one (someone else's
 * file, or a damaged disk: the rename makes a half-written one impossible), saying what to do.
 */
function readJournal(bDir: string): Journal {
  const file = join(bDir, JOURNAL);
  const text = readText(file);
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    j = undefined;
  }
  const days = (j as Partial<Journal> | null | undefined)?.days;
  const valid = Array.isArray(days) && days.every((d) => typeof d?.dt === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d.dt) && Array.isArray(d.sources) && d.sources.every((x) => typeof x === 'string'));
  if (!valid) {
    throw new UsageError(`${file} is not a placement journal, so the days its run was placing cannot be finished (they may be half placed); `
      + `remove ${dirname(bDir)} and generate those days again`);
  }
  return j as Journal;
}

/**
 * Readies the lake `outDir` for placing the days `dts` staged in batch folder `bDir`, before the
 * batch's journal is written: checks that every folder the placement moves into or out of may be
 * written (the lake's `_truth` and table folders, each day folder it replaces), and makes the
 * `_truth` and table folders it moves into that are missing (`_truth` first, so that the folder
 * stays a lake), so that placing needs no more than renames. So a read-only folder, or a disk too
 * full for one more folder, stops the run before any day is half placed. Returns the folders it
 * made, outermost first (see removeMadeFolders). Throws the file system's error (EACCES, EROFS,
 * ENOSPC) naming the folder, having removed the folders it made.
 */
export function readyPlacement(outDir: string, bDir: string, dts: readonly string[]): string[] {
  const made: string[] = [];
  try {
    for (const name of ['_truth', ...SOURCES.map((s) => s.name)]) {
      const dir = join(outDir, name);
      if (!existsSync(dir)) {
        let parent = dir;
        while (!existsSync(parent)) parent = dirname(parent);
        accessSync(parent, constants.W_OK);
        if (!dts.some((dt) => existsSync(join(bDir, name, `dt=${dt}`)))) continue; // nothing to move in
        const missing: string[] = [];
        for (let p = dir; p !== parent; p = dirname(p)) missing.unshift(p);
        for (const p of missing) {
          mkdirSync(p);
          made.push(p);
        }
        continue;
      }
      accessSync(dir, constants.W_OK);
      // a day folder replaced (or removed) has its files removed after the swap; a symbolic link in
      // its place is removed itself (swapInto), and where it points is not written, nor looked at
      for (const dt of dts) if (lstatSync(join(dir, `dt=${dt}`), { throwIfNoEntry: false })?.isDirectory()) accessSync(join(dir, `dt=${dt}`), constants.W_OK);
    }
  } catch (e) {
    removeMadeFolders(made);
    throw e;
  }
  return made;
}

/**
 * Places the days of batch folder `bDir` (with its journal) into the lake `outDir`, in order:
 * for each day, every source's partition (a source with none that day has its old one removed),
 * then the day's manifest. Days whose manifest is already placed are skipped, so placing again
 * after a kill finishes the job. Removes the journal at the end, so that the batch is not placed
 * again, and returns how many days it placed; what is left of `bDir` is emptied folders, which the
 * caller removes. Throws the file system's error when a move fails; the journal stays, and placing
 * again completes the batch.
 */
export function placeBatch(bDir: string, outDir: string): number {
  const journal = readJournal(bDir);
  let placed = 0;
  for (const { dt, sources } of journal.days) {
    const part = `dt=${dt}`;
    const truth = join(bDir, '_truth', part);
    if (!existsSync(truth)) continue; // the manifest goes in last: this day is placed
    for (const src of SOURCES) {
      const staged = join(bDir, src.name, part);
      if (existsSync(staged)) swapInto(staged, join(outDir, src.name, part));
      // a partition in the journal but no longer staged was placed before a kill
      else if (!sources.includes(src.name)) rmSync(join(outDir, src.name, part), { recursive: true, force: true });
    }
    swapInto(truth, join(outDir, '_truth', part));
    placed++;
  }
  rmSync(join(bDir, JOURNAL));
  return placed;
}

/**
 * Moves the staged days `dts` (YYYY-MM-DD) of batch folder `bDir`, each source's partition and
 * the day's manifest, into batch folder `into`, so that one journal places them with its own: a
 * run that replaces a lake of another company places all its days at once (see generate.ts).
 */
export function gatherBatch(bDir: string, into: string, dts: readonly string[]): void {
  for (const name of [...SOURCES.map((s) => s.name), '_truth']) {
    for (const dt of dts) {
      const staged = join(bDir, name, `dt=${dt}`);
      if (!existsSync(staged)) continue;
      mkdirSync(join(into, name), { recursive: true });
      renameSync(staged, join(into, name, `dt=${dt}`));
    }
  }
}

/**
 * Ends this process's use of staging folder `staging`: removes it, unless a batch in it has a
 * journal (its placement failed part way), which the next run into the lake completes.
 */
export function releaseStaging(staging: string): void {
  running.delete(staging);
  try {
    const placing = existsSync(staging) && readdirSync(staging).some((b) => existsSync(join(staging, b, JOURNAL)));
    if (!placing) removeWhileWritten(staging);
  } finally {
    releaseLock(dirname(staging));
  }
}

/**
 * Removes folder `dir` while another thread may still be writing a file into it: a process
 * stopping at once (a second Ctrl-C) removes its staging folder while a DuckDB statement it
 * interrupted may still be writing, and a file made after the folder was listed leaves it not
 * empty. The removal is then done again, after 10 ms, up to 20 times (rmSync's own retries only
 * try the emptied folder again). In 3 of 20 runs cancelled twice within 0.4 s the first removal
 * failed so. (A WebAssembly writer's thread never makes the folder again: see wasmLines.ts's
 * writeDayFile.)
 */
function removeWhileWritten(dir: string): void {
  for (let tries = 1; ; tries++) {
    try {
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' || tries === 20) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/** The first symbolic link in folder `dir` or under it, following none, or undefined. */
function linkUnder(dir: string): string | undefined {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const found = e.isSymbolicLink() ? p : e.isDirectory() ? linkUnder(p) : undefined;
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Completes or removes staging folders left by runs that did not finish: runs of a process that
 * is gone, or earlier runs in this one. A batch with a journal is placed, whatever else is staged
 * is removed. Returns how many days it placed.
 */
function recoverStaleStaging(outDir: string, shown: string): number {
  let placed = 0;
  for (const f of readdirSync(outDir).sort()) {
    const m = STAGING.exec(f);
    const dir = join(outDir, f);
    if (!m || running.has(dir) || (Number(m[1]) !== process.pid && alive(Number(m[1]), Number(m[2]), m[3]))) continue;
    // a run stages files and folders, never a link: through one, placing a batch would move files
    // from outside into the lake and remove the partitions its journal does not list
    const link = linkUnder(dir);
    if (link !== undefined) throw new DataError("is a symbolic link in a killed run's staging folder; remove the link (a run's staging folder never holds one)", pathAsGiven(link, shown));
    // a run places one batch at a time and removes its journal when placed: at most one has one;
    // the staging folder goes whole, placed batches' emptied folders with it
    for (const b of readdirSync(dir)) if (existsSync(join(dir, b, JOURNAL))) placed += placeBatch(join(dir, b), outDir);
    rmSync(dir, { recursive: true, force: true });
  }
  return placed;
}

/**
 * Tidies partitions that a killed run left moved aside by swapInto (`.dt=…old-PID`, of a run that
 * has no staging folder left: recoverStaleStaging has removed those of runs that are gone):
 * removed when the new partition made it into place (recoverStaleStaging has placed the rest of
 * its day), renamed back when it did not.
 */
function removeStaleAside(outDir: string): void {
  // the pids of the runs in progress, which place their days with their staging folder in the lake
  const live = new Set(readdirSync(outDir).map((f) => STAGING.exec(f)?.[1]));
  for (const table of [...SOURCES.map((s) => s.name), '_truth']) {
    const dir = join(outDir, table);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      const m = ASIDE.exec(f);
      // placement is synchronous, so an aside of this process's pid is no swap in progress: it was
      // left by an earlier process that had this pid (a container's first process)
      if (!m || (Number(m[2]) !== process.pid && live.has(m[2]))) continue;
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
function makeLakeFolder(dir: string, shown: string): string[] {
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
  const made: string[] = [];
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
      made.push(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw lakeFolderError(e, shown);
      // EEXIST where stat found nothing: a symbolic link to a missing path (or a folder made meanwhile)
      if (lstatSync(p).isSymbolicLink() && !existsSync(p)) {
        throw new UsageError(`cannot write the lake into ${shown}: ${p === dir ? 'it' : pathAsGiven(p, shown)} is a symbolic link to ${readlinkSync(p)}, which does not exist`);
      }
      if (!statSync(p).isDirectory()) throw lakeFolderError(e, shown);
    }
  }
  return made;
}

/**
 * Removes the folders a run made for its lake (each outermost first, as makeLakeFolder and
 * readyPlacement list them) when it placed nothing in them: each only if empty, so nothing of
 * anyone's is removed.
 */
export function removeMadeFolders(made: readonly string[]): void {
  for (const p of [...made].reverse()) {
    try {
      rmdirSync(p);
    } catch {
      // not empty (another run's files), or gone: left, and the folders above it stay as not empty
    }
  }
}

/** What a failed file-system call was trying to do, by node's `syscall` name. */
const FS_VERBS: Readonly<Record<string, string>> = {
  // an open may be for reading or for writing (the lock file is made with one)
  open: 'cannot open', read: 'cannot read', write: 'cannot write', mkdir: 'cannot create', scandir: 'cannot list', rename: 'cannot move',
  rm: 'cannot remove', unlink: 'cannot remove', rmdir: 'cannot remove', stat: 'cannot look at', access: 'cannot write into',
};

/** Path `p` spelled like the lake folder `shown` was: relative to the working folder if that was. */
function pathAsGiven(p: string, shown: string): string {
  return isAbsolute(shown) ? p : relative(process.cwd(), p) || '.';
}

/**
 * A file-system error met while preparing the lake's folder `shown`, as a one-line UsageError;
 * anything that is not a file-system error is returned as it is.
 */
export function lakeFolderError(e: unknown, shown: string, after = ''): unknown {
  const err = e as NodeJS.ErrnoException;
  if (!(e instanceof Error) || !err.code || !err.syscall) return e;
  const verb = FS_VERBS[err.syscall] ?? err.syscall;
  // node's message is `EACCES: permission denied, mkdir '/x'`
  const why = /^\w+: ([^,]+),/.exec(err.message)?.[1] ?? err.code;
  return new UsageError(`cannot write the lake into ${shown}: ${verb} ${err.path ? pathAsGiven(err.path, shown) : 'it'}: ${why} (${err.code})${after}`);
}

/** What a run writes into a lake: the company (seed, scale, rules), each source's format, its days. */
export interface LakeRun {
  readonly seed: number;
  readonly scale: number;
  /** rulesFingerprint() of the run's rules. */
  readonly rules: string;
  readonly formats: Readonly<Record<string, string>>;
  /** First and last arrival day, YYYY-MM-DD. */
  readonly from: string;
  readonly to: string;
}

/**
 * Refuses to write into `outDir` (`shown` as the user wrote it) when it is neither empty nor a
 * lake (no `_truth` folder): a day's partitions replace whole folders, which would delete files
 * that are not the generator's. And refuses a run that would leave the lake holding days of two
 * companies or layouts: another seed, scale, rules or format of a source than the days it keeps
 * (one of them is read: a run that changes them places all its days at once, so they agree). A
 * run that replaces every day may change them: returns whether it does, from the last day's
 * manifest.
 */
function checkLakeFolder(outDir: string, shown: string, run: LakeRun): boolean {
  // hidden entries (staging folders, a .gitkeep, Finder's .DS_Store) are not what a run replaces
  const entries = readdirSync(outDir).filter((f) => !f.startsWith('.'));
  if (entries.length === 0) return false;
  if (!entries.includes('_truth')) {
    throw new UsageError(`cannot write the lake into ${shown}: it is not empty and holds no lake (no _truth folder); name a new or empty folder`);
  }
  const days = lakeDays(outDir);
  if (days.length === 0) return false;
  const kept = days.filter((d) => d < run.from || d > run.to);
  // the days the run keeps must be of its company; else the days it replaces say whether it changes it
  const compared = kept.length > 0 ? kept : days;
  const day = compared[compared.length - 1];
  const file = manifestFile(outDir, day);
  const again = generateDayAgain(day, shown);
  let m: TruthManifest;
  try {
    // one of another file, through a link, is not read
    refuseLinkOut(realpathSync(outDir), file, again, pathAsGiven(file, shown));
    m = readManifest(file, pathAsGiven(file, shown), again);
  } catch (e) {
    // a run that replaces every day replaces a damaged, missing or linked manifest too, all at once
    if (kept.length === 0) return true;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`cannot write the lake into ${shown}: ${pathAsGiven(file, shown)}: ${missingManifest(day, shown)}`);
    // reported by prepareLakeFolder, as every other error
    throw e;
  }
  const diffs: string[] = [];
  if (m.seed !== run.seed) diffs.push(`seed ${String(m.seed)} (this run: ${run.seed})`);
  if (m.scale !== run.scale) diffs.push(`scale ${String(m.scale)} (this run: ${run.scale})`);
  // a rules file changes the company as much as the seed does (volumes, rates, dates)
  if (m.rules !== run.rules) diffs.push(m.rules === undefined ? `no rules fingerprint (an older Stratum made them; this run: ${run.rules})` : `other rules or another version of the generator (fingerprint ${String(m.rules)}; this run: ${run.rules})`);
  for (const [src, t] of Object.entries(m.sources)) {
    if (run.formats[src] !== undefined && t.format !== run.formats[src]) diffs.push(`${src} as ${t.format} (this run: ${run.formats[src]})`);
  }
  if (kept.length === 0) return diffs.length > 0;
  if (diffs.length > 0) {
    // the days it would keep, before the run's range and after it
    const spans = [kept.filter((d) => d < run.from), kept.filter((d) => d > run.to)].filter((s) => s.length > 0)
      .map((s) => s.length === 1 ? s[0] : `${s[0]} .. ${s[s.length - 1]}`);
    throw new UsageError(`cannot write the lake into ${shown}: its days outside this run's (${spans.join(' and ')}) have ${diffs.join(', ')}, as ${pathAsGiven(file, shown)} says; `
      + 'one lake holds one company in one layout: generate all of its days in one run, or name another folder');
  }
  return false;
}

/**
 * Makes the lake's folder `outDir` (absolute; `shown` as the user wrote it), completes or removes
 * what unfinished runs left in it, checks that `run` may write into it (checkLakeFolder), and
 * makes a new hidden staging folder in it; tells `onFinished` how many days of a killed run it
 * finished placing, at once, before the check (which may then refuse the run). Returns the staging
 * folder's path (releaseStaging ends its use), the folders it made (for removeMadeFolders when the
 * run places nothing), and whether the run replaces a lake of another company or layout (it must
 * then place all its days at once). Throws a one-line UsageError
 * naming the folder and the cause when any of that fails.
 */
export function prepareLakeFolder(outDir: string, shown: string, run: LakeRun, onFinished?: (days: number) => void): { staging: string; made: string[]; replaces: boolean } {
  const made = makeLakeFolder(outDir, shown);
  const staging = join(outDir, stagingName());
  let locked = false;
  try {
    acquireLock(outDir, shown);
    locked = true;
    // the staging folder at once: with the lock, it shows other processes that the run is alive
    // however long finishing a dead run's placement takes (see lakeLock.ts)
    mkdirSync(staging);
    running.set(staging, made);
    const finished = finishUnfinishedRuns(outDir, shown);
    // said before the lake is checked: the days placed are what the check then reads
    if (finished > 0) onFinished?.(finished);
    const replaces = checkLakeFolder(outDir, shown, run);
    return { staging, made, replaces };
  } catch (e) {
    // only what this run took: a lock held by another run of this process is its own; and the
    // staging folder only when it was made: in a folder that may not be searched (no x bit),
    // removing one that was never made fails too, and would hide the error that stopped the run
    if (locked) {
      if (running.has(staging)) releaseStaging(staging); // and the lock
      else releaseLock(outDir);
    }
    removeMadeFolders(made);
    throw e instanceof DataError ? new UsageError(`cannot write the lake into ${shown}: ${e.message}`) : lakeFolderError(e, shown);
  }
}

/**
 * Refuses the lake `outDir` (`shown` as the user wrote it) when a folder that a run moves
 * partitions into or out of resolves outside it through a symbolic link: `_truth` or a source's
 * table folder (or one on their way, `shop`), or a dead run's staging folder, whose batch would be
 * placed. Through one, a run would replace and delete partitions outside the lake, or move files
 * from outside into it. And when such a folder is a symbolic link to nothing. Throws DataError
 * naming the outermost such folder (refuseLinkOut). A folder that holds no lake and no killed
 * run's staging is left to checkLakeFolder, which names what it is.
 */
function refuseFoldersLinkedOut(outDir: string, shown: string): void {
  const root = realpathSync(outDir);
  const folders = new Set<string>();
  for (const table of ['_truth', ...SOURCES.map((s) => s.name)]) {
    const parts = table.split('/');
    parts.forEach((_, i) => folders.add(parts.slice(0, i + 1).join('/')));
  }
  const refuse = (f: string, advice: string) => {
    const path = join(outDir, f);
    refuseLinkOut(root, path, advice, pathAsGiven(path, shown));
    // one to nothing (a disk not mounted: an entry that existsSync, following it, does not find):
    // making the folder in its place fails, and listing it. A file on its way is none (present):
    // making the folder names it
    if (!existsSync(path) && present(path)) {
      throw new DataError(`is a symbolic link to ${readlinkSync(path)}, which does not exist; ${advice}`, pathAsGiven(path, shown));
    }
  };
  const entries = readdirSync(outDir);
  const staged = entries.filter((f) => STAGING.test(f));
  // a folder with no lake and no other run's batch to place: nothing is moved through its folders,
  // and checkLakeFolder says it holds no lake (when not empty)
  if (entries.includes('_truth') || staged.some((f) => !running.has(join(outDir, f)))) {
    for (const f of folders) refuse(f, 'move the folder it names back into its place (a run would replace and delete partitions outside the lake through it)');
  }
  for (const f of staged) refuse(f, "remove the link (a run's staging folder is never one)");
}

/**
 * Completes or tidies what unfinished generator runs left in the existing lake folder `outDir`
 * (`shown` as the user wrote it): places the days a killed run had begun placing, removes its
 * staging folder, puts back partitions it moved aside. A reader of the lake calls this first, so
 * that it never sees a day half new, half old. Returns how many days it placed. Throws a one-line
 * UsageError naming the folder and the cause when a file cannot be moved or removed.
 */
export function finishUnfinishedRuns(outDir: string, shown: string): number {
  try {
    refuseFoldersLinkedOut(outDir, shown);
    const placed = recoverStaleStaging(outDir, shown);
    removeStaleAside(outDir);
    // a killed run's lock goes with its staging (a live run's stays)
    clearStaleLock(outDir, shown);
    return placed;
  } catch (e) {
    throw lakeFolderError(e, shown);
  }
}
