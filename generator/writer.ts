/**
 * Writes one source's records for a batch of arrival days into a staging folder: adds exact
 * replays (duplicate defect) and broken records (malformed defect, text formats only), writes
 * hive partitions `dt=YYYY-MM-DD/part-00000.<ext>` with DuckDB in a deterministic order, and
 * returns what the truth manifest needs per day.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { appendFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatDay } from './dates.js';
import type { DefectKind, RawFormat } from './rules.js';
import type { SourceDef } from './sources/source.js';
import { chance, dateOf, F, type SqlContext } from './sqlRandom.js';

/** A defect entry of the truth manifest. Malformed records also carry file and line. */
export interface DefectTruth {
  count: number;
  keys: string[];
  records?: { file: string; line: number; key: string }[];
}

/** What one source wrote on one arrival day. */
export interface SourceDayTruth {
  format: RawFormat;
  files: string[];
  rows: number;
  bytes: number;
  defects: Partial<Record<DefectKind, DefectTruth>>;
}

const EXT: Record<RawFormat, string> = { csv: 'csv', parquet: 'parquet', jsonl: 'jsonl' };

function copyOptions(fmt: RawFormat): string {
  if (fmt === 'parquet') return "format parquet, row_group_size 65536";
  if (fmt === 'csv') return 'format csv, header true';
  return 'format json';
}

/** Splits a variant column `expr as name` (or a bare `name`) into its name and expression. */
function splitColumn(col: string): { name: string; expr: string } {
  const m = /^([\s\S]+)\s+as\s+(\w+)$/.exec(col);
  return m ? { name: m[2], expr: m[1] } : { name: col, expr: col };
}

/** Column expression as written: nested values become JSON text in CSV. */
function outputExpr(col: string, fmt: RawFormat, nested: ReadonlySet<string>): string {
  const { name, expr } = splitColumn(col);
  return fmt === 'csv' && nested.has(name) ? `to_json(${expr})::varchar as ${name}` : `${expr} as ${name}`;
}

/**
 * Writes `src` for arrival days [ctx.from, ctx.to] under `root` (a staging folder) and returns
 * per-day truth, keyed by day number. `nested` names columns that hold structs or lists.
 */
const PROFILE = process.env.STRATUM_PROFILE_SQL === '1';
async function run(con: DuckDBConnection, sql: string): Promise<void> {
  const t = performance.now();
  await con.run(sql);
  if (PROFILE) process.stderr.write(`${(performance.now() - t).toFixed(0).padStart(6)} ms  ${sql.slice(0, 60).replace(/\s+/g, ' ')}\n`);
}

export async function writeSource(con: DuckDBConnection, src: SourceDef, ctx: SqlContext, fmt: RawFormat, root: string, nested: ReadonlySet<string> = new Set()): Promise<Map<number, SourceDayTruth>> {
  const seed = ctx.rules.seed;
  const rates = ctx.rules.defects;
  const text = fmt !== 'parquet';
  const rk = `hash(${seed}, rkey)`;
  const order = src.uniqueSeq ? 'seq, replay' : 'seq, rkey, replay';
  await run(con, `create or replace temp table g_out as
    with r as (select *, ${chance(rk, F.dup, rates.duplicate)} as d_duplicate,
      ${text ? chance(rk, F.malformed, rates.malformed) : 'false'} as d_malformed from (${src.records(ctx)}))
    select *, 0 as replay from r union all select *, 1 as replay from r where d_duplicate
    order by dt, ${order}`);

  const dir = join(root, src.name);
  mkdirSync(join(dir, '..'), { recursive: true });

  const result = new Map<number, SourceDayTruth>();
  for (const v of src.variants(ctx)) {
    const from = Math.max(ctx.from, v.from ?? ctx.from);
    const to = Math.min(ctx.to, v.to ?? ctx.to);
    if (from > to) continue;
    const parts = v.columns.map(splitColumn);
    const json = v.json ?? `to_json(struct_pack(${parts.map((p) => `${p.name} := ${p.expr}`).join(', ')}))::varchar`;
    const cols = v.columns.map((c) => outputExpr(c, fmt, nested)).join(', ');
    const range = `dt between ${dateOf(String(from))} and ${dateOf(String(to))}`;
    const present = await con.runAndReadAll(`select distinct (dt - date '1970-01-01')::integer from g_out where ${range} order by 1`);
    if (fmt === 'jsonl') {
      // JSON lines are built as text, so broken records sit among the good ones; built once for the
      // whole range (a scan keeps g_out's order), the per-day COPYs below only write text
      await run(con, `create or replace temp table g_text as
        select dt, case when d_malformed and replay = 0 then left(${json}, greatest(length(${json}) // 2, 1)) else ${json} end as line
        from g_out where ${range}`);
    }
    // CSV: rows with the wrong column count, appended as each day's extract's last lines
    const badCsv = new Map<number, string[]>();
    if (fmt === 'csv') {
      const line = `concat_ws(',', ${parts.map((p) => `coalesce((${nested.has(p.name) ? `to_json(${p.expr})` : p.expr})::varchar, '')`).join(', ')}) || ',#extra'`;
      const bad = await con.runAndReadAll(`select (dt - date '1970-01-01')::integer, ${line} from g_out where ${range} and d_malformed and replay = 0 order by dt, seq, rkey`);
      for (const [day, l] of bad.getRows() as [number, string][]) (badCsv.get(day) ?? badCsv.set(day, []).get(day)!).push(l.replace(/\n/g, ' ') + '\n');
    }
    // One COPY per day: DuckDB's PARTITION_BY writer does not keep row order within a file, a
    // plain COPY of a scan does (preserve_insertion_order), and g_out is stored sorted; so the
    // bytes of a day do not depend on the rest of the batch, without sorting again per day.
    for (const [day] of present.getRows() as [number][]) {
      const partDir = join(dir, `dt=${formatDay(day)}`);
      mkdirSync(partDir, { recursive: true });
      const file = join(partDir, `part-00000.${EXT[fmt]}`);
      const where = `dt = ${dateOf(String(day))}`;
      if (fmt === 'jsonl') {
        await run(con, `copy (select line from g_text where ${where}) to '${file}' (format csv, header false, quote '', escape '', delimiter '\x1f')`);
        continue;
      }
      await run(con, `copy (select ${cols} from g_out where ${where} and not (d_malformed and replay = 0))
        to '${file}' (${copyOptions(fmt)})`);
      const bad = badCsv.get(day);
      if (bad) appendFileSync(file, bad.join(''));
    }
  }

  // measure what was written
  if (existsSync(dir)) {
    for (const part of readdirSync(dir).filter((p) => p.startsWith('dt=')).sort()) {
      const day = Math.round(Date.parse(part.slice(3)) / 86_400_000);
      const entry: SourceDayTruth = { format: fmt, files: [], rows: 0, bytes: 0, defects: {} };
      for (const name of readdirSync(join(dir, part)).filter((f) => f.startsWith('part-')).sort()) {
        entry.files.push(`${src.name}/${part}/${name}`);
        entry.bytes += statSync(join(dir, part, name)).size;
      }
      result.set(day, entry);
    }
  }
  await fillTruth(con, src, result, fmt);
  return result;
}

/** Counts rows and defect keys per day from the staged records into `result`. */
async function fillTruth(con: DuckDBConnection, src: SourceDef, result: Map<number, SourceDayTruth>, fmt: RawFormat): Promise<void> {
  const kinds: DefectKind[] = [...src.defects, 'duplicate'];
  if (fmt !== 'parquet') kinds.push('malformed');
  const aggs = kinds.map((k) => k === 'duplicate'
    ? `list(rkey order by seq, rkey) filter (where replay = 1)`
    : `list(${src.truthKeys?.[k] ?? 'rkey'} order by seq, rkey) filter (where d_${k} and replay = 0)`);
  const rows = await con.runAndReadAll(`select /* per-day rows and defect keys */ (dt - date '1970-01-01')::integer as day, count(*)::integer, ${aggs.join(', ')},
      count(*) filter (where not (d_malformed and replay = 0))::integer
    from g_out group by dt order by dt`);
  for (const row of rows.getRows()) {
    const day = row[0] as number;
    const entry = result.get(day);
    if (!entry) continue;
    entry.rows = row[1] as number;
    const wellFormed = row[row.length - 1] as number;
    kinds.forEach((k, i) => {
      const keys = ((row[2 + i] as { items: string[] } | null)?.items ?? []).map(String);
      const t: DefectTruth = { count: keys.length, keys };
      if (k === 'malformed') t.records = keys.map((key, j) => ({ file: entry.files[0], line: 1 + wellFormed + j + 1, key }));
      entry.defects[k] = t;
    });
  }
  if (fmt === 'jsonl') {
    // broken JSON lines sit in place: their line is their position in the day's order
    const lines = await con.runAndReadAll(`select (dt - date '1970-01-01')::integer, rkey, ln from (
        select dt, rkey, d_malformed, replay, row_number() over (partition by dt order by ${src.uniqueSeq ? 'seq, replay' : 'seq, rkey, replay'}) as ln from g_out)
      where d_malformed and replay = 0 order by dt, ln`);
    const byDay = new Map<number, { file: string; line: number; key: string }[]>();
    for (const [day, key, ln] of lines.getRows() as [number, string, bigint][]) {
      const entry = result.get(day);
      if (entry) (byDay.get(day) ?? byDay.set(day, []).get(day)!).push({ file: entry.files[0], line: Number(ln), key });
    }
    for (const [day, recs] of byDay) result.get(day)!.defects.malformed!.records = recs;
  }
  for (const [, entry] of result) for (const k of kinds) entry.defects[k] ??= { count: 0, keys: [] };
}
