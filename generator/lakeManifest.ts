/**
 * Reading a lake's truth manifests (`_truth/dt=YYYY-MM-DD/truth.json`): which days it holds, one
 * day's manifest, and what the lake holds in all. The one reader of the manifests: the generator
 * checks a run against the days a lake keeps with it, `stratum start` reports the lake with it.
 */
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { DataError } from '../src/errors.js';
import { within } from '../src/pathWithin.js';
import { formatDay, tryParseDay } from './dates.js';
import { readText } from './readText.js';
import { SOURCE_NAMES } from './rules.js';
import type { SourceDayTruth } from './writer.js';

/** The truth manifest of one arrival day. */
export interface TruthManifest {
  dt: string;
  seed: number;
  scale: number;
  /** rulesFingerprint() of the rules that made the day. */
  rules: string;
  sources: Record<string, SourceDayTruth>;
  drift: { source: string; kind: string; since: string; detail: string }[];
}

/** Whether `f` names the folder of a day: `dt=YYYY-MM-DD` of a real date (not `dt=2024-13-45`). */
function isDayFolder(f: string): boolean {
  return /^dt=\d{4}-\d{2}-\d{2}$/.test(f) && tryParseDay(f.slice(3)) !== undefined;
}

/** Arrival days the lake in `outDir` holds (its `_truth/dt=` folders), sorted; none without `_truth`. */
export function lakeDays(outDir: string): string[] {
  const dir = join(outDir, '_truth');
  return existsSync(dir) ? readdirSync(dir).filter(isDayFolder).map((f) => f.slice(3)).sort() : [];
}

/** The manifest file of arrival day `day` (YYYY-MM-DD) in the lake `outDir`. */
export function manifestFile(outDir: string, day: string): string {
  return join(outDir, '_truth', `dt=${day}`, 'truth.json');
}

/**
 * What is wrong with a day of the lake `lake` (as the user wrote it) whose folder `_truth/dt=day`
 * holds no manifest, and the command that makes the day again.
 */
export function missingManifest(day: string, lake: string): string {
  return `missing: day ${day} has no manifest, so what its partitions hold is not known; ${generateDayAgain(day, lake)}`;
}

/** The advice to make day `day` of the lake `lake` (as the user wrote it) again, with its command. */
export function generateDayAgain(day: string, lake: string): string {
  return `generate that day again, with the seed, scale and rules the lake was made with (stratum generate --day ${day} --out ${lake})`;
}

/**
 * Whether `file`, a path a manifest lists, is one inside the lake: relative, and not leaving the
 * lake's folder (`../`). A manifest changed by hand could name any file of the machine. By the
 * path as written, not where it ends: one that leaves and comes back (`../lake/...`) is refused too,
 * which `within` (of two resolved paths) would take for inside.
 */
function inLake(file: string): boolean {
  return !isAbsolute(file) && normalize(file).split('/')[0] !== '..';
}

/**
 * Where `path`, in the lake whose real path is `root`, resolves to outside it (through a symbolic
 * link: of a file, a partition's folder or a table's), or undefined when it resolves inside it or
 * does not resolve (missing: sizeOf says so).
 */
function resolvedOutside(root: string, path: string): string | undefined {
  let real;
  try {
    real = realpathSync(path);
  } catch {
    return undefined;
  }
  return within(real, root) ? undefined : real;
}

/**
 * Throws DataError naming `path` (as `shown`), a path in the lake whose real path is `root`, when
 * it resolves outside the lake through a symbolic link (of itself or of a folder on its way), with
 * `advice`: what to do. The one check that a reader of the lake (start) and a writer (generate)
 * follow no link out of it.
 */
export function refuseLinkOut(root: string, path: string, advice: string, shown = path): void {
  const real = resolvedOutside(root, path);
  if (real !== undefined) throw new DataError(`resolves to ${real}, outside the lake (a symbolic link); ${advice}`, shown);
}

/** Parquet's magic bytes, at the start and the end of every Parquet file. */
const PAR1 = Buffer.from('PAR1');

/**
 * Why the Parquet file `file` of `size` bytes is not one, or undefined when it starts and ends
 * with Parquet's magic bytes. Reads those 8 bytes only.
 */
function notParquet(file: string, size: number): string | undefined {
  const head = Buffer.alloc(4);
  const tail = Buffer.alloc(4);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    if (size >= 8) {
      readSync(fd, head, 0, 4, 0);
      readSync(fd, tail, 0, 4, size - 4);
    }
  } catch (e) {
    return `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return head.equals(PAR1) && tail.equals(PAR1) ? undefined : 'not a Parquet file (it does not start and end with PAR1)';
}

/**
 * Reads a day's manifest. Throws DataError naming the file (as `shown`) when it cannot be read
 * (a folder in its place, no permission), is not JSON, or is not a manifest: an object with a
 * whole seed and scale, a rules fingerprint (or none), and sources that each have a format, rows,
 * files and bytes; `advice`, when given, says what to do. A missing one (ENOENT) is thrown as the
 * file system's error, with the file's path: its callers word it (missingManifest).
 */
export function readManifest(file: string, shown = file, advice?: string): TruthManifest {
  const then = advice === undefined ? '' : `; ${advice}`;
  let m: unknown;
  try {
    m = JSON.parse(readText(file));
  } catch (e) {
    if (e instanceof SyntaxError) throw new DataError(`not JSON (${e.message})${then}`, shown);
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && code !== 'ENOENT') throw new DataError(`cannot read it (${code})${then}`, shown);
    throw e;
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const isSource = (t: unknown) => isObject(t) && typeof t.format === 'string' && Number.isInteger(t.rows) && Number.isInteger(t.bytes)
    && Array.isArray(t.files) && t.files.every((f) => typeof f === 'string');
  // the company's seed, scale and rules fingerprint (none in manifests of an older Stratum) are
  // compared with a run's, and start's advice spells them as flags
  const isCompany = (c: Record<string, unknown>) => Number.isInteger(c.seed) && Number.isInteger(c.scale) && (c.rules === undefined || typeof c.rules === 'string');
  if (!isObject(m) || !isCompany(m) || !isObject(m.sources) || !Object.values(m.sources).every(isSource)) {
    throw new DataError(`not a day's manifest (an object with seed, scale, rules and sources, each source with its format, rows, files and bytes)${then}`, shown);
  }
  return m as unknown as TruthManifest;
}

/** A file of a source's partition that is not as its day's manifest says. */
export interface LakeDamage {
  /** The arrival day, YYYY-MM-DD. */
  readonly day: string;
  /** The file (or partition folder), relative to the lake. */
  readonly file: string;
  /** What is wrong: missing, its size, not in the manifest. */
  readonly why: string;
}

/** What a lake holds, from its manifests: days, the company that made them, rows per source. */
export interface LakeContents {
  readonly days: string[];
  /** Days missing between the first and the last. */
  readonly gaps: string[];
  readonly seed: unknown;
  readonly scale: unknown;
  /** The rules' fingerprint (rulesFingerprint) of the last day's manifest. */
  readonly rules: unknown;
  /** Per source: its format, the days it has rows on, and its rows. */
  readonly sources: Map<string, { format: string; days: number; rows: number }>;
  /**
   * Files that are not as the manifests say: a listed file missing or of another size than its
   * bytes, a file in a partition folder that its manifest does not list, a partition folder of a
   * day with no manifest, a Parquet file that does not start and end with its magic bytes. Readers
   * of `dt=*` would read the wrong rows from any of them, or fail on them. Sizes and those bytes
   * only: a file changed in place otherwise, at its own size, is not seen.
   */
  readonly damaged: LakeDamage[];
  /**
   * The companies and layouts the days were made by, in order of their first day: one, unless
   * something other than a run of this generator mixed them (a run checks the lake's days, and
   * one that changes them replaces every day at once).
   */
  readonly companies: LakeCompany[];
}

/** The days of a lake made by one company (seed, scale, rules) in one layout (each source's format). */
export interface LakeCompany {
  readonly seed: unknown;
  readonly scale: unknown;
  readonly rules: unknown;
  /** Each source's format, by source name. */
  readonly formats: Readonly<Record<string, string>>;
  /** The days, YYYY-MM-DD, sorted. */
  readonly days: string[];
}

/**
 * The size of readable file `file`, or why there is none: it is missing, not a file, or may not
 * be looked at or read (EACCES), which a reader of the lake would fail on.
 */
function sizeOf(file: string): number | string {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' || code === undefined ? 'missing' : `cannot be looked at (${code})`;
  }
  if (!st.isFile()) return 'not a file';
  try {
    accessSync(file, constants.R_OK);
  } catch (e) {
    return `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
  return st.size;
}

/** The names in folder `dir` (none when it is not a folder), hidden ones left out. */
function visibleEntries(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
  } catch {
    return [];
  }
}

/**
 * Reads every manifest of the lake `outDir` holding `days` (lakeDays), and checks the files of
 * each partition against them (see LakeContents.damaged). Throws DataError naming a manifest
 * that cannot be read, is not JSON, or is not a manifest.
 */
export function lakeContents(outDir: string, days: readonly string[]): LakeContents {
  const sources = new Map<string, { format: string; days: number; rows: number }>();
  const damaged: LakeDamage[] = [];
  let last: Partial<TruthManifest> = {};
  const companies = new Map<string, LakeCompany>();
  // a link inside the lake to a file or folder outside it: the readers of the lake would follow it
  const root = realpathSync(outDir);
  for (const day of days) {
    const file = manifestFile(outDir, day);
    const again = generateDayAgain(day, outDir);
    refuseLinkOut(root, file, again);
    try {
      last = readManifest(file, file, again);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new DataError(missingManifest(day, outDir), file);
      throw e;
    }
    const formats = Object.fromEntries(Object.entries(last.sources ?? {}).map(([name, t]) => [name, t.format]));
    const key = JSON.stringify([last.seed, last.scale, last.rules, Object.entries(formats).sort()]);
    const company = companies.get(key) ?? { seed: last.seed, scale: last.scale, rules: last.rules, formats, days: [] };
    company.days.push(day);
    companies.set(key, company);
    for (const [name, t] of Object.entries(last.sources ?? {})) {
      const s = sources.get(name) ?? { format: t.format, days: 0, rows: 0 };
      s.days += t.rows > 0 ? 1 : 0;
      s.rows += t.rows;
      sources.set(name, s);
      if (!inLake(name)) {
        throw new DataError(`lists the source ${name}, which is not a folder of the lake (an absolute path, or one leaving its folder); ${generateDayAgain(day, outDir)}`, file);
      }
      const outside = t.files.find((f) => !inLake(f));
      if (outside !== undefined) {
        throw new DataError(`${name} lists ${outside}, which is not a file of the lake (an absolute path, or one leaving its folder); ${generateDayAgain(day, outDir)}`, file);
      }
      for (const f of [`${name}/dt=${day}`, ...t.files]) refuseLinkOut(root, join(outDir, f), generateDayAgain(day, outDir));
      const sizes = t.files.map((f) => sizeOf(join(outDir, f)));
      t.files.forEach((f, i) => typeof sizes[i] === 'string' && damaged.push({ day, file: f, why: sizes[i] as string }));
      const total = sizes.reduce<number>((a, b) => a + (typeof b === 'number' ? b : 0), 0);
      if (sizes.every((b) => typeof b === 'number') && total !== t.bytes) {
        damaged.push({ day, file: t.files.length === 1 ? t.files[0] : `${name}/dt=${day}/`,
          why: `${total.toLocaleString('en-US')} bytes, the manifest says ${t.bytes.toLocaleString('en-US')}` });
      } else {
        // files of the size the manifest says: garbage of that size is seen by Parquet's magic bytes
        t.files.forEach((f, i) => {
          const why = f.endsWith('.parquet') && typeof sizes[i] === 'number' ? notParquet(join(outDir, f), sizes[i]) : undefined;
          if (why !== undefined) damaged.push({ day, file: f, why });
        });
      }
      const listed = new Set(t.files);
      for (const f of visibleEntries(join(outDir, name, `dt=${day}`))) {
        const rel = `${name}/dt=${day}/${f}`;
        if (!listed.has(rel)) damaged.push({ day, file: rel, why: 'not in the manifest' });
      }
    }
  }
  // partition folders of days with no manifest, of the generator's sources and any other the
  // manifests name (with none left, every partition is one); and folders named dt= that are no day
  // (`dt=garbage`, `dt=2024-13-45`), which a `dt=*` reader reads too
  const have = new Set(days);
  for (const name of new Set(['_truth', ...SOURCE_NAMES, ...sources.keys()])) {
    for (const f of visibleEntries(join(outDir, name))) {
      if (!f.startsWith('dt=')) continue;
      if (!isDayFolder(f)) damaged.push({ day: f.slice(3), file: `${name}/${f}/`, why: 'named dt= but not a day (dt=YYYY-MM-DD)' });
      else if (!have.has(f.slice(3))) damaged.push({ day: f.slice(3), file: `${name}/${f}/`, why: 'a partition of a day with no manifest' });
    }
  }
  const gaps: string[] = [];
  const first = tryParseDay(days[0]);
  const end = tryParseDay(days[days.length - 1]);
  if (first !== undefined && end !== undefined) {
    for (let d = first; d <= end; d++) if (!have.has(formatDay(d))) gaps.push(formatDay(d));
  }
  damaged.sort((a, b) => a.day.localeCompare(b.day) || a.file.localeCompare(b.file));
  return { days: [...days], gaps, seed: last.seed, scale: last.scale, rules: last.rules, sources, damaged, companies: [...companies.values()] };
}
