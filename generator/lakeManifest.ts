/**
 * Reading a lake's truth manifests (`_truth/dt=YYYY-MM-DD/truth.json`): which days it holds, one
 * day's manifest, and what the lake holds in all. The one reader of the manifests: the generator
 * checks a run against the days a lake keeps with it, `stratum start` reports the lake with it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../src/errors.js';
import { formatDay, tryParseDay } from './dates.js';
import { readText } from './readText.js';
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

const DAY_FOLDER = /^dt=\d{4}-\d{2}-\d{2}$/;

/** Arrival days the lake in `outDir` holds (its `_truth/dt=` folders), sorted; none without `_truth`. */
export function lakeDays(outDir: string): string[] {
  const dir = join(outDir, '_truth');
  return existsSync(dir) ? readdirSync(dir).filter((f) => DAY_FOLDER.test(f)).map((f) => f.slice(3)).sort() : [];
}

/** The manifest file of arrival day `day` (YYYY-MM-DD) in the lake `outDir`. */
export function manifestFile(outDir: string, day: string): string {
  return join(outDir, '_truth', `dt=${day}`, 'truth.json');
}

/**
 * Reads a day's manifest. Throws DataError naming the file (as `shown`) when it is not JSON, or
 * not a manifest: an object whose sources each have a format and a row count. A file-system
 * error is thrown as it is, with the file's path.
 */
export function readManifest(file: string, shown = file): TruthManifest {
  let m: unknown;
  try {
    m = JSON.parse(readText(file));
  } catch (e) {
    if (e instanceof SyntaxError) throw new DataError(`not JSON (${e.message})`, shown);
    throw e;
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(m) || !isObject(m.sources) || !Object.values(m.sources).every((t) => isObject(t) && typeof t.format === 'string' && Number.isInteger(t.rows))) {
    throw new DataError("not a day's manifest (an object with seed, scale, rules and sources, each source with its format and rows)", shown);
  }
  return m as unknown as TruthManifest;
}

/** What a lake holds, from its manifests: days, the company that made them, rows per source. */
export interface LakeContents {
  readonly days: string[];
  /** Days missing between the first and the last. */
  readonly gaps: string[];
  readonly seed: unknown;
  readonly scale: unknown;
  /** Per source: its format, the days it has rows on, and its rows. */
  readonly sources: Map<string, { format: string; days: number; rows: number }>;
}

/**
 * Reads every manifest of the lake `outDir` holding `days` (lakeDays). Throws DataError naming a
 * manifest that cannot be read, is not JSON, or is not a manifest.
 */
export function lakeContents(outDir: string, days: readonly string[]): LakeContents {
  const sources = new Map<string, { format: string; days: number; rows: number }>();
  let last: Partial<TruthManifest> = {};
  for (const day of days) {
    const file = manifestFile(outDir, day);
    try {
      last = readManifest(file);
    } catch (e) {
      if (e instanceof DataError) throw e;
      throw new DataError(`cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file);
    }
    for (const [name, t] of Object.entries(last.sources ?? {})) {
      const s = sources.get(name) ?? { format: t.format, days: 0, rows: 0 };
      s.days += t.rows > 0 ? 1 : 0;
      s.rows += t.rows;
      sources.set(name, s);
    }
  }
  const gaps: string[] = [];
  const first = tryParseDay(days[0]);
  const end = tryParseDay(days[days.length - 1]);
  if (first !== undefined && end !== undefined) {
    const have = new Set(days);
    for (let d = first; d <= end; d++) if (!have.has(formatDay(d))) gaps.push(formatDay(d));
  }
  return { days: [...days], gaps, seed: last.seed, scale: last.scale, sources };
}
