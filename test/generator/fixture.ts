/**
 * A small generated lake shared by the generator tests: 12 arrival days with every drift date and
 * the hot day inside the range, generated once per test file into a temp folder.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tryParseDay } from '../../generator/dates.js';
import { FX_TO } from '../../generator/fxSeed.js';
import { generate, type GenerateOptions, type GenerateSummary } from '../../generator/generate.js';
import type { TruthManifest } from '../../generator/lakeManifest.js';
import { DEFECT_KINDS, loadRules, type DefectKind, type Rules } from '../../generator/rules.js';
import { orderUniverseStatements } from '../../generator/sources/orderUniverse.js';
import type { SqlContext } from '../../generator/sqlRandom.js';
import { buildWorld, type World } from '../../generator/world.js';
import { loadAccountWorldTables, loadOrderWorldTables } from '../../generator/worldTables.js';
import { expect } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { tempDir } from '../tempDir.js';

/** The frozen rules the company model's records digest is taken with. */
export const MODEL_RULES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'model-rules.yaml');

export const FROM = '2024-01-20';
export const TO = '2024-01-31';

/** Rules of the test lake: drift and the hot day fall inside [FROM, TO]. */
export function testRulesFile(dir: string, extra = ''): string {
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, `skew:
  hot_day: 2024-01-24
drift:
  orders_column_added: 2024-01-25
  events_property_renamed: 2024-01-26
  payments_unit_change: 2024-01-27
${extra}`);
  return file;
}

/**
 * Generates [from, to] with the test rules into a new temp folder, `batchDays` arrival days at a
 * time, cutting the sources LANES cuts into parts of at least `partDays` days; `onEvent` sees the
 * run's progress.
 */
export async function generateLake(from = FROM, to = TO, extraRules = '', batchDays?: number,
  more: Pick<GenerateOptions, 'partDays' | 'onEvent' | 'memoryLimit' | 'eventsInSql' | 'eventsBuffers' | 'paymentsInSql' | 'paymentsPiece'> = {}): Promise<{ dir: string; rules: Rules; summary: GenerateSummary }> {
  const dir = tempDir('stratum-gen-');
  const rules = loadRules(testRulesFile(dir, extraRules));
  const summary = await generate({ rules, from: tryParseDay(from)!, to: tryParseDay(to)!, scale: 1, outDir: join(dir, 'raw'), batchDays, ...more });
  return { dir: join(dir, 'raw'), rules, summary };
}

/** The rules' `defects:` block with every kind at rate 0 but those in `rates`. */
export function defectRates(rates: Partial<Record<DefectKind, number>> = {}): string {
  return `defects:\n${DEFECT_KINDS.map((k) => `  ${k}: ${rates[k] ?? 0}\n`).join('')}`;
}

/**
 * Generates [from, to] with the built-in rules (their drift dates and hot day, their seed unless
 * `seed`), every defect rate 0 but those in `rates`, into a new temp folder; returns the lake's
 * folder and its rules.
 */
export async function cleanLake(from: string, to: string, opts: { scale?: number; seed?: number; rates?: Partial<Record<DefectKind, number>> } = {}): Promise<{ raw: string; rules: Rules }> {
  const dir = tempDir('stratum-clean-');
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, `${opts.seed === undefined ? '' : `seed: ${opts.seed}\n`}${defectRates(opts.rates)}`);
  const rules = loadRules(file);
  const raw = join(dir, 'raw');
  await generate({ rules, from: tryParseDay(from)!, to: tryParseDay(to)!, scale: opts.scale ?? 1, outDir: raw });
  return { raw, rules };
}

/** Reads a day's truth manifest. */
export function truth(raw: string, day: string): TruthManifest {
  return JSON.parse(readFileSync(join(raw, '_truth', `dt=${day}`, 'truth.json'), 'utf8')) as TruthManifest;
}

/** An in-memory DuckDB connection for reading the lake. */
export async function duck(): Promise<DuckDBConnection> {
  const db = await DuckDBInstance.create(':memory:');
  return db.connect();
}

/** Runs a query and returns its rows as objects with JSON-safe values. */
export async function rows(con: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const r = await con.runAndReadAll(sql);
  return r.getRowObjectsJson() as Record<string, unknown>[];
}

/**
 * Whether `hits` of `n` independent draws at chance `p` is within four standard deviations of
 * n·p: a check of a rate that fails on a wrong rate and, by chance, about once in 16,000 runs.
 */
export function withinBinomial(hits: number, n: number, p: number): boolean {
  return Math.abs(hits - n * p) <= 4 * Math.sqrt(n * p * (1 - p));
}

/** Runs a query whose one row has a column `n`, and returns it as a number. */
export async function countOf(con: DuckDBConnection, sql: string): Promise<number> {
  return Number((await rows(con, sql))[0].n);
}

/** The days of [FROM, TO] as strings. */
export function days(from = FROM, to = TO): string[] {
  const out: string[] = [];
  for (let d = tryParseDay(from)!; d <= tryParseDay(to)!; d++) out.push(new Date(d * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/** Every file under `dir` (hidden ones too), by its path relative to `dir`, in path order. */
function lakeFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

/** Every file under `dir` (hidden ones too) by its path relative to `dir`, with its sha256. */
export function digest(dir: string): Map<string, string> {
  const files = lakeFiles(dir);
  return new Map(files.map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));
}

/**
 * One sha256 of the records of the lake under `dir`, file by file in path order: the bytes of its
 * text files, the rows of its Parquet files as DuckDB reads them (not their bytes, which name the
 * DuckDB version that wrote them), and its truth manifests without the rules fingerprint (which
 * names COMPANY_MODEL). It changes exactly when the generator makes other records.
 */
export async function recordsDigest(dir: string, con: DuckDBConnection): Promise<string> {
  const hash = createHash('sha256');
  for (const f of lakeFiles(dir)) {
    const file = join(dir, f);
    let content: string | Buffer = readFileSync(file);
    if (f.endsWith('.parquet')) content = (await rows(con, `select * from read_parquet('${file}')`)).map((r) => JSON.stringify(r)).join('\n');
    else if (f.endsWith('truth.json')) content = JSON.stringify({ ...(JSON.parse(content.toString('utf8')) as TruthManifest), rules: undefined });
    hash.update(`${f}\n`).update(content).update('\n');
  }
  return hash.digest('hex');
}

/**
 * A generation cancelled before its first day: it makes the lake's folder and finishes or tidies
 * what unfinished runs left in it, as every run does first, then stops. It spans every day the
 * seeds cover, so that it may write into a lake of any seed.
 */
export async function prepareOnly(outDir: string): Promise<void> {
  const cancelled = new AbortController();
  cancelled.abort();
  const rules = loadRules();
  const run = generate({ rules, from: rules.company.founded, to: tryParseDay(FX_TO)!, scale: 1, outDir, signal: cancelled.signal });
  await expect(run).rejects.toBeInstanceOf(CancelledError);
}

/**
 * A batch of arrival days from `from` (a day number) on: a one-thread in-memory database with the
 * world's tables and the batch's order universe, handed to `body` with the batch and its world.
 */
export async function withBatch(rules: Rules, from: number, days: number,
  body: (con: DuckDBConnection, ctx: SqlContext, world: World) => Promise<void>): Promise<void> {
  const ctx = { rules, scale: 1, from, to: from + days - 1, universe: from };
  const world = buildWorld(rules, 1, ctx.to + 30);
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await db.connect();
  try {
    await loadOrderWorldTables(con, rules, world);
    await loadAccountWorldTables(con, rules, world);
    for (const sql of orderUniverseStatements(ctx)) await con.run(sql);
    await body(con, ctx, world);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}
