/**
 * Writes one source's records for a batch of arrival days into a staging folder: adds exact
 * replays (duplicate defect) and broken records (malformed defect, text formats only), writes
 * hive partitions `dt=YYYY-MM-DD/part-00000.<ext>` in a deterministic order, and returns what the
 * truth manifest needs per day.
 *
 * The records of a batch are staged once, sorted by (dt, seq): Parquet is written with one COPY
 * per day; text formats with one COPY per batch whose lines are then cut into per-day files (a
 * record is one line), which costs a fraction of a COPY per day. DuckDB's PARTITION_BY writer is
 * not an option: it does not keep row order within a file, and the bytes of a day must not
 * depend on the rest of the batch.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError } from '../src/errors.js';
import { formatDay } from './dates.js';
import type { DefectKind, RawFormat } from './rules.js';
import type { ColumnVariant, SourceDef } from './sources/source.js';
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

/** The JSON line of a variant's record. */
function jsonLine(v: ColumnVariant): string {
  return v.json ?? `to_json(struct_pack(${v.columns.map(splitColumn).map((p) => `${p.name} := ${p.expr}`).join(', ')}))::varchar`;
}

/** Rows in a Parquet row group (the last of a file has fewer). */
export const ROW_GROUP_ROWS = 65536;

const PROFILE = process.env.STRATUM_PROFILE_SQL === '1';
/** Runs a statement; with STRATUM_PROFILE_SQL=1 prints its time and first words to stderr. */
async function timed<T>(sql: string, work: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const result = await work();
  if (PROFILE) process.stderr.write(`${(performance.now() - t).toFixed(0).padStart(6)} ms  ${sql.slice(0, 60).replace(/\s+/g, ' ')}\n`);
  return result;
}
const run = (con: DuckDBConnection, sql: string) => timed(sql, () => con.run(sql));
const read = (con: DuckDBConnection, sql: string) => timed(sql, async () => (await con.runAndReadAll(sql)).getRows());

/** The variants in force in [ctx.from, ctx.to], clipped to it. */
function variantsOf(src: SourceDef, ctx: SqlContext): { v: ColumnVariant; from: number; to: number }[] {
  return src.variants(ctx)
    .map((v) => ({ v, from: Math.max(ctx.from, v.from ?? ctx.from), to: Math.min(ctx.to, v.to ?? ctx.to) }))
    .filter((x) => x.from <= x.to);
}

/** `dt` within day numbers [from, to], as SQL. */
const dtIn = (from: number, to: number) => `dt between ${dateOf(String(from))} and ${dateOf(String(to))}`;

/**
 * A JSON line cut off one character into the last string value that starts before its middle
 * (`"key":"v`), or at its middle if none does: a string left open at the end of the line.
 */
function truncatedLine(line: string): string {
  const half = `greatest(length(${line}) // 2, 1)`;
  // '":"' reads the same backwards, so its first place in the reversed half is its last in the half
  const back = `strpos(reverse(left(${line}, ${half})), '":"')`;
  return `case when ${back} = 0 then left(${line}, ${half}) else left(${line}, ${half} - ${back} + 2) end`;
}

/**
 * How a batch's writing of a source meets the previous and the next batch's: a batch that
 * continues takes over the records the previous one handed on, a batch with more after it hands
 * on its own records arriving later.
 */
export interface HandOver {
  /** Waits until the previous batch has handed on; without it, the previous batch has. */
  readonly takeOver?: () => Promise<void>;
  /** Called once this batch has handed on, before it writes its files. */
  readonly handedOn?: () => void;
}

/**
 * Whether to stop (the run is cancelled, or another lane has failed), asked before each statement
 * (by EventsWriter and PaymentsWriter, before each day): interrupting the connection stops only the statement running
 * then, and a source is written by up to a hundred of them (a Parquet COPY per day).
 */
export type Stop = () => boolean;

/** How often `stop` is asked while work it may stop runs (whileRunning). */
const STOP_POLL_MS = 10;

/**
 * Runs `work`, asking `stop` once before it starts and then every STOP_POLL_MS while it runs,
 * calling `onStop` each time it says so: how work running elsewhere (a writer's thread, a DuckDB
 * call) is told to stop. The first ask is at once, so that work shorter than a poll is stopped too.
 */
export async function whileRunning<T>(work: () => Promise<T>, stop: Stop, onStop: () => void): Promise<T> {
  if (stop()) onStop();
  const poll = setInterval(() => {
    if (stop()) onStop();
  }, STOP_POLL_MS);
  try {
    return await work();
  } finally {
    clearInterval(poll);
  }
}

/**
 * Writes `src` for arrival days [ctx.from, ctx.to] under `root` (a staging folder) and returns
 * per-day truth, keyed by day number. `nested` names columns that hold structs or lists.
 */
export async function writeSource(con: DuckDBConnection, src: SourceDef, ctx: SqlContext, fmt: RawFormat, root: string, nested: ReadonlySet<string> = new Set(),
  handOver: HandOver = {}, stop: Stop = () => false): Promise<Map<number, SourceDayTruth>> {
  const step = (sql: string) => {
    if (stop()) throw new CancelledError(`${src.name} stopped`);
    return run(con, sql);
  };
  const rates = ctx.rules.defects;
  const rk = `hash(${ctx.rules.seed}, rkey)`;
  const variants = variantsOf(src, ctx);
  const flagCols = [...src.defects.map((k) => `d_${k}`), ...new Set(Object.values(src.truthKeys ?? {}))];
  // JSON lines are built before the sort, so only the line and the truth columns are sorted (a
  // record handed on to the next batch is built with the variant of its own arrival day)
  const all = src.variants(ctx);
  const narrow = fmt === 'jsonl'
    ? `dt, seq, rkey, ${flagCols.join(', ')}, ${all.length === 1 ? jsonLine(all[0])
      : `case ${all.map((v) => `when ${[v.from === undefined ? 'true' : `dt >= ${dateOf(String(v.from))}`, v.to === undefined ? 'true' : `dt <= ${dateOf(String(v.to))}`].join(' and ')} then ${jsonLine(v)}`).join(' ')} end`} as line`
    : '*';
  const records = `select ${narrow}, ${chance(rk, F.dup, rates.duplicate)} as d_duplicate,
    ${fmt !== 'parquet' ? chance(rk, F.malformed, rates.malformed) : 'false'} as d_malformed from (${src.records(ctx)})`;
  const sorted = (r: string) => `create or replace temp table g_out as
    select * from (select *, unnest(case when d_duplicate then [0, 1] else [0] end) as replay from (${r}))
    order by dt, ${src.uniqueSeq ? 'seq, replay' : 'seq, rkey, replay'}`;
  // a previous batch of the run (it had `more`) left the records arriving from this batch on in a
  // table named by the first day they may arrive on; they join this batch's. Not a temp table: the
  // previous batch may have run on another connection (see LANES). When it may still be running,
  // this batch's own records are staged first, and joined by the handed-on ones for the sort
  // (staging them apart costs about a tenth more CPU, so only then)
  const carryOn = (day: number) => `g_carry_${src.name.replace(/\W/g, '_')}_${day}`;
  const carried = ctx.continues ? `select * from ${carryOn(ctx.from)}${ctx.more ? '' : ` where dt <= ${dateOf(String(ctx.to))}`}` : undefined;
  if (carried && handOver.takeOver) {
    await step(`create or replace temp table g_new as ${records}`);
    await handOver.takeOver();
    await step(sorted(`select * from g_new union all ${carried}`));
    await step('drop table g_new');
  } else {
    await step(sorted(carried ? `${records} union all ${carried}` : records));
  }
  if (ctx.continues) await step(`drop table ${carryOn(ctx.from)}`);
  if (ctx.more) {
    const later = `dt > ${dateOf(String(ctx.to))}`;
    await step(`create table ${carryOn(ctx.to + 1)} as select * exclude (replay) from g_out where ${later} and replay = 0`);
    await step(`delete from g_out where ${later}`);
  }
  handOver.handedOn?.();

  const result = await truthOf(con, src, fmt);
  const days = [...result.keys()];
  const dir = join(root, src.name);
  const file = (day: number) => join(dir, `dt=${formatDay(day)}`, `part-00000.${fmt}`);
  for (const day of days) {
    mkdirSync(join(dir, `dt=${formatDay(day)}`), { recursive: true });
    result.get(day)!.files.push(`${src.name}/dt=${formatDay(day)}/part-00000.${fmt}`);
  }

  for (const { v, from, to } of variants) {
    const vDays = days.filter((d) => d >= from && d <= to);
    if (vDays.length === 0) continue;
    const cols = v.columns.map((c) => outputExpr(c, fmt, nested)).join(', ');
    if (fmt === 'parquet') {
      // g_out is stored sorted and a plain COPY of a scan keeps its order. The writer ends a row
      // group at the first chunk of the scan that brings it to ROW_GROUP_ROWS, and a scan of g_out
      // cuts chunks where g_out's vectors end, which depends on where the day starts in it (on the
      // rest of the batch): a day of more rows is copied from a table of its own, whose chunks
      // start with the day
      for (const day of vDays) {
        const dayRows = `g_out where dt = ${dateOf(String(day))}`;
        const big = result.get(day)!.rows > ROW_GROUP_ROWS;
        if (big) await step(`create or replace temp table g_day as select * from ${dayRows}`);
        await step(`copy (select ${cols} from ${big ? 'g_day' : dayRows}) to '${file(day)}' (format parquet, row_group_size ${ROW_GROUP_ROWS})`);
        if (big) await step('drop table g_day');
      }
      continue;
    }
    const batchFile = join(root, `.${src.name.replace(/\W/g, '_')}-${from}.txt`);
    const wellFormed = 'not (d_malformed and replay = 0)';
    const tail = new Map<number, string>();
    const head = fmt === 'csv' ? v.columns.map((c) => splitColumn(c).name).join(',') + '\n' : '';
    if (fmt === 'jsonl') {
      // a broken line is the record cut off inside a string value near its middle (its replay, if
      // any, is whole). Cut elsewhere (after a `:`, say), a reader that does not split lines
      // first, such as DuckDB's read_json, goes on to read the next line as the missing value and
      // loses that good record too. The lines are written as they are: with an empty quote,
      // force_quote writes the same bytes but skips the CSV writer's per-byte check for
      // characters that need quoting (~40% of this COPY)
      await step(`copy (select case when d_malformed and replay = 0 then ${truncatedLine('line')} else line end as line
        from g_out where ${dtIn(from, to)}) to '${batchFile}' (format csv, header false, quote '', escape '', delimiter '\x1f', force_quote (line))`);
    } else {
      await step(`copy (select ${cols} from g_out where ${dtIn(from, to)} and ${wellFormed}) to '${batchFile}' (format csv, header false)`);
      // rows with one column too many, each day's extract's last lines. Written by the CSV writer
      // too, so that their values are quoted as the other rows' are: a JSON text or a name with a
      // comma or a quote left bare would leave a quote open to the end of the file, and readers
      // (DuckDB's read_csv, even with ignore_errors) then lose the whole file, not the row. g_out
      // is in day order and a scan keeps it, so each day's rows follow on from the day before's
      const badFile = `${batchFile}.bad`;
      await step(`copy (select ${cols} from g_out where ${dtIn(from, to)} and not (${wellFormed})) to '${badFile}' (format csv, header false)`);
      // the extra column is added here: the writer would quote '#extra' (a comment sign)
      const bad = readFileSync(badFile, 'utf8').split('\n').slice(0, -1).map((l) => `${l},#extra\n`);
      rmSync(badFile);
      let at = 0;
      for (const day of vDays) {
        const n = result.get(day)!.defects.malformed?.count ?? 0;
        tail.set(day, bad.slice(at, at + n).join(''));
        at += n;
      }
      if (at !== bad.length) throw new Error(`internal: ${badFile} has ${bad.length} rows, not the ${at} malformed records`);
    }
    cutLines(batchFile, vDays.map((day) => ({
      file: file(day),
      lines: fmt === 'csv' ? result.get(day)!.rows - (result.get(day)!.defects.malformed?.count ?? 0) : result.get(day)!.rows,
      head,
      tail: tail.get(day) ?? '',
    })));
    rmSync(batchFile);
  }
  // freed now, while the other lanes work, rather than when the database closes at the end
  await step('drop table g_out');
  for (const day of days) {
    const entry = result.get(day)!;
    entry.bytes = statSync(file(day)).size;
    for (const rec of entry.defects.malformed?.records ?? []) rec.file = entry.files[0];
  }
  return result;
}

/**
 * The most one write hands the kernel. The page cache takes a write in folios as large as the
 * write allows, and on this machine (Linux 6.18, ext4 with large folios, in a VM that hands free
 * 2 MB blocks of its memory back to its host) a large folio is mostly memory the host must back
 * again: the events' 91 day files of some 2.6 MB, each written in one call, made 91 folios of
 * 2 MB (`nr_file_hugepages`) and took 0.35-0.43 s of kernel time, about 500 MB/s. A folio of up
 * to 32 KB (order 3) can come from the allocator's per-CPU lists, pages freed a moment before,
 * which is how we read the figures: the two writers' threads' 301 MB in a run of the default
 * dataset took, three runs each, in writes of at most 2 MB 773-833 ms, 1 MB 279-445, 256 KB
 * 281-321, 64 KB 383-430, 32 KB 142-221, 16 KB 188-395, 8 KB 188-274.
 */
export const WRITE_CHUNK = 32 << 10;

/**
 * Writes all of `data` to `fd`, the file `file`, at most WRITE_CHUNK bytes a call. A write may
 * write less than it was given without an error (a disk that fills up part way); the next write
 * then fails with ENOSPC, so a short write is never the last word. Throws the file system's error
 * (ENOSPC, EFBIG, EIO), with `file` as its path (a write to a descriptor names none).
 */
export function writeAll(fd: number, data: Buffer | string, file: string): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    for (let at = 0; at < buf.length; ) at += writeSync(fd, buf, at, Math.min(WRITE_CHUNK, buf.length - at));
  } catch (e) {
    (e as NodeJS.ErrnoException).path ??= file;
    throw e;
  }
}

/**
 * Cuts a text file of whole lines into consecutive pieces of `lines` lines each, written with a
 * head and a tail. Throws when the lines do not add up (a value with a line break would). Reads
 * through one reused buffer: reading a whole batch file at once costs about four times as much
 * (a fresh buffer the size of the file is faulted in page by page). `bufferBytes` is the read size.
 */
export function cutLines(batchFile: string, pieces: { file: string; lines: number; head: string; tail: string }[], bufferBytes = 8 << 20): void {
  const fd = openSync(batchFile, 'r');
  try {
    const buf = Buffer.allocUnsafe(bufferBytes);
    let data = buf.subarray(0, 0);
    let pos = 0;
    const refill = (): boolean => {
      data = buf.subarray(0, readSync(fd, buf, 0, buf.length, null));
      pos = 0;
      return data.length > 0;
    };
    for (const p of pieces) {
      const out = openSync(p.file, 'w');
      try {
        if (p.head) writeAll(out, p.head, p.file);
        let left = p.lines;
        while (left > 0) {
          if (pos === data.length && !refill()) throw new Error(`internal: ${batchFile} has fewer lines than its records`);
          let end = pos;
          for (let nl; left > 0 && (nl = data.indexOf(10, end)) >= 0; left--) end = nl + 1;
          // a piece's line may run on into the next read: what is read so far is written now
          if (left > 0) end = data.length;
          writeAll(out, data.subarray(pos, end), p.file);
          pos = end;
        }
        if (p.tail) writeAll(out, p.tail, p.file);
      } finally {
        closeSync(out);
      }
    }
    if (pos < data.length || refill()) throw new Error(`internal: ${batchFile} has more lines than its records`);
  } finally {
    closeSync(fd);
  }
}

/** Separates the keys of a day's defect kind in the truth query; no key contains it. */
const KEY_SEP = '\x1f';
const KEY_SEP_SQL = `chr(${KEY_SEP.charCodeAt(0)})`;

/**
 * Rows and defect keys per day of g_out. Malformed records get their line: CSV ones sit after
 * the header and the well-formed rows, JSON ones in place (g_out's rowid is the sorted position).
 */
async function truthOf(con: DuckDBConnection, src: SourceDef, fmt: RawFormat): Promise<Map<number, SourceDayTruth>> {
  const kinds: DefectKind[] = [...src.defects, 'duplicate'];
  if (fmt !== 'parquet') kinds.push('malformed');
  const original = (k: DefectKind) => (k === 'malformed' ? 'd_malformed and replay = 0' : `d_${k} and replay = 0`);
  // keys come back as one string per day and kind: a list of strings costs a JS string decode
  // per key, about a third of a second of the main thread for the default dataset
  const aggs = kinds.map((k) => k === 'duplicate'
    ? `string_agg(rkey, ${KEY_SEP_SQL} order by rowid) filter (where replay = 1)`
    : `string_agg(${src.truthKeys?.[k] ?? 'rkey'}, ${KEY_SEP_SQL} order by rowid) filter (where ${original(k)})`);
  const rows = await read(con, `select (dt - date '1970-01-01')::integer as day, count(*)::integer, min(rowid), ${aggs.join(', ')},
      ${fmt === 'parquet' ? '[]' : 'list(rowid order by rowid) filter (where d_malformed and replay = 0)'}
    from g_out group by dt order by dt`);
  const result = new Map<number, SourceDayTruth>();
  for (const row of rows) {
    const entry: SourceDayTruth = { format: fmt, files: [], rows: row[1] as number, bytes: 0, defects: {} };
    const first = row[2] as bigint;
    kinds.forEach((k, i) => {
      const keys = (row[3 + i] as string | null)?.split(KEY_SEP) ?? [];
      entry.defects[k] = { count: keys.length, keys };
    });
    const mal = entry.defects.malformed;
    if (mal) {
      const rowids = ((row[3 + kinds.length] as { items: bigint[] } | null)?.items ?? []);
      const wellFormed = entry.rows - mal.count;
      mal.records = mal.keys.map((key, j) => ({ file: '', line: fmt === 'csv' ? 1 + wellFormed + j + 1 : Number(rowids[j] - first) + 1, key }));
    }
    result.set(row[0] as number, entry);
  }
  return result;
}
