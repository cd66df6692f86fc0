/**
 * The generator's entry: generates the raw lake for a range of arrival days, batch by batch, and
 * places each day's partitions and truth manifest as one unit (written aside, then renamed in,
 * through a journal that the next run completes if this one dies: see lakeFolder.ts).
 * Progress is reported as events; the CLI prints them and the notebook renders them.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CancelledError, LimitError, StratumError, UsageError } from '../src/errors.js';
import { formatDay } from './dates.js';
import type { TruthManifest } from './lakeManifest.js';
import { gatherBatch, lakeFolderError, placeBatch, prepareLakeFolder, readyPlacement, releaseStaging, removeMadeFolders, writeJournal } from './lakeFolder.js';
import { rulesFingerprint, unavailableDay, type Rules, type SourceName } from './rules.js';
import { EVENTS_WRITER_LANES, LANES as SQL_LANES, NESTED_COLUMNS, SOURCES } from './sources/index.js';
import { backgroundSessionsSql, BROWSE_EVENTS, browseSessionsSql, CLICKS_LANDED, events, ORD, SESSION_EVENTS } from './sources/events.js';
import { INVOICE_ORD, payments } from './sources/payments.js';
import { adRows } from './sources/support.js';
import type { EventsBuffers } from './eventsWriter.js';
import { paymentsAccounts } from './paymentsWriter.js';
import { wasmAccounts } from './wasmLines.js';
import { WasmWriterThread } from './wasmThread.js';
import type { SourceDef } from './sources/source.js';
import { dropOrderUniverseStatements, firstFulfilledDay, ORDER_SLOTS, ordersOfDaySql, orderUniverseStatements } from './sources/orderUniverse.js';
import type { SqlContext } from './sqlRandom.js';
import { accountsThrough, buildWorld } from './world.js';
import { loadAccountWorldTables, loadOrderWorldTables } from './worldTables.js';
import { whileRunning, writeSource, type SourceDayTruth } from './writer.js';

/** What to generate. Days are day numbers, inclusive. */
export interface GenerateOptions {
  readonly rules: Rules;
  readonly from: number;
  readonly to: number;
  readonly scale: number;
  readonly outDir: string;
  /** Days per batch (memory bound); the output does not depend on it. */
  readonly batchDays?: number;
  /**
   * Fewest days in each part of a source that LANES cuts into parts (default PART_DAYS); a batch
   * too short for two is not cut. The output does not depend on it.
   */
  readonly partDays?: number;
  /**
   * DuckDB's memory limit in bytes (default DuckDB's: 80% of the machine's memory). Past it, sorts
   * and tables spill to a folder inside the run's staging folder; the lake's bytes are the same.
   */
  readonly memoryLimit?: number;
  /**
   * Writes product/events through its SQL (sources/events.ts and writer.ts) even as JSON lines,
   * rather than through EventsWriter (eventsWriter.ts): the same bytes, at some three times the
   * CPU. The reference EventsWriter is tested against.
   */
  readonly eventsInSql?: boolean;
  /** Sizes of EventsWriter's buffers (tests make them small, to cross their limits). */
  readonly eventsBuffers?: EventsBuffers;
  /**
   * Writes processor/payments through its SQL (sources/payments.ts and writer.ts) even as JSON
   * lines, rather than through PaymentsWriter (paymentsWriter.ts): the same bytes, at about twice
   * the CPU. The reference PaymentsWriter is tested against.
   */
  readonly paymentsInSql?: boolean;
  /** The size of the pieces PaymentsWriter hands a day's file out in (tests make it small, to cross it). */
  readonly paymentsPiece?: number;
  readonly onEvent?: (e: GenerateEvent) => void;
  /** Aborting interrupts the running statements; days already placed stay, nothing half-placed does. */
  readonly signal?: AbortSignal;
}

/** Progress events of a generation run. */
export type GenerateEvent =
  /** Days that a killed run had begun to place, placed before this run starts. */
  | { type: 'finished'; days: number }
  | { type: 'start'; from: string; to: string; days: number; sources: number; scale: number }
  /**
   * The company's world is built (accounts, their profile versions, subscription changes and
   * invoices from the founding day to `to`, the horizon later records need): seconds at scale 100.
   */
  | { type: 'world'; from: string; to: string; accounts: number; subscriptionChanges: number; invoices: number; seconds: number }
  | { type: 'source'; source: SourceName; from: string; to: string; rows: number; bytes: number; seconds: number }
  | { type: 'days'; done: number; total: number }
  | { type: 'done'; summary: GenerateSummary };

/** Totals of a run. */
export interface GenerateSummary {
  from: string;
  to: string;
  seed: number;
  scale: number;
  /** The lake's folder, absolute. */
  out: string;
  days: number;
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  bySource: Record<string, { format: string; rows: number; bytes: number }>;
  defects: Record<string, number>;
}

/** Fewest days in a part of a source cut into parts (see LANES): each part looks back `max_lag_days` again. */
export const PART_DAYS = 28;

/**
 * The batch context of part `part` of `of` of the batch `ctx`, or undefined when that part has no
 * days. A part is generated as a batch of its own, which is why cutting changes no byte: every
 * part but the first looks back for the records that arrive late into it (generating those event
 * days again), the first takes over what the previous batch handed on, the last hands on to the
 * next. Parts have at least `minDays` days, and at least `max_lag_days`, so that a part's look-back
 * stays inside the batch and its order universe; a batch too short for `of` of them is cut into
 * fewer, or not at all.
 */
export function partContext(ctx: SqlContext, part: number, of: number, minDays: number): SqlContext | undefined {
  const len = ctx.to - ctx.from + 1;
  const n = Math.max(1, Math.min(of, Math.floor(len / Math.max(minDays, ctx.rules.arrival.max_lag_days))));
  if (part >= n) return undefined;
  const from = ctx.from + Math.floor((len * part) / n);
  const to = ctx.from + Math.floor((len * (part + 1)) / n) - 1;
  return { ...ctx, from, to, continues: part === 0 ? ctx.continues : false, more: part === n - 1 ? ctx.more : false };
}

/** Batches in flight at once: a batch starts once the batch this many before it is placed. */
export const WINDOW = 2;

/** A promise with its resolve and reject (Promise.withResolvers is Node 22); its rejection is handled where it is awaited. */
interface Settled {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

function settled(): Settled {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** A batch of a run: its pieces of work by lane, and what is known of them. */
interface Batch {
  readonly ctx: SqlContext;
  /** Its staging folder. */
  readonly dir: string;
  /** Its pieces of work by lane: each has handed on to the next batch (or has nothing to), and is done. */
  readonly lanes: readonly (readonly { src: SourceDef; ctx: SqlContext; handedOn: Settled; done: Settled }[])[];
  /** Its order universe is built. */
  readonly universe: Settled;
  /** It is placed. */
  readonly done: Settled;
  /** Pieces still to read its order universe: the last drops it. */
  universeReaders: number;
  readonly perSource: Map<SourceName, Map<number, SourceDayTruth>>;
}

/** Active drift entries on a day, for the manifest. */
function driftOn(rules: Rules, day: number): TruthManifest['drift'] {
  const d = rules.drift;
  const all = [
    { source: 'shop/orders', kind: 'column_added', since: d.orders_column_added, detail: 'column sales_channel added' },
    { source: 'product/events', kind: 'property_renamed', since: d.events_property_renamed, detail: 'properties.page_path renamed to properties.path' },
    { source: 'processor/payments', kind: 'unit_change', since: d.payments_unit_change, detail: 'amount in minor units (cents; the yen, which has none, unchanged) instead of major units (dollars)' },
  ];
  return all.filter((x) => day >= x.since).map((x) => ({ ...x, since: formatDay(x.since) }));
}

/** Where product/events' ordinals end: the factor of the second in its `seq` (events.ts). */
const EVENT_ORDINALS = 2 ** 31;

/** A count as the messages print it: 12,345,678. */
const counted = (v: number) => v.toLocaleString('en-US');

/**
 * Throws LimitError when a day of the run (from the first whose late events it writes) has more
 * orders than shop/orders, order_items and shipments number in their sort key (orderUniverse.ts's
 * ORDER_SLOTS), or more orders, marketplace browsing sessions, site and app sessions or ad
 * landings than product/events has ordinals for (events.ts's ORD: site and app sessions
 * i * (SESSION_EVENTS + 1) + j below the touches, checkout sessions i * 4 + step below the browsing
 * ones, browsing i * BROWSE_EVENTS + j below the ad landings, and the landings, numbered through
 * the day, below 2^31): past them, two records would share a sort key, so that a day's records had
 * no one order (nor the same bytes from run to run). The counts are those the sources draw (the
 * same SQL: ordersOfDaySql, browseSessionsSql, backgroundSessionsSql, adRows). The orders are also
 * counted on the days before, back to the first whose shipments may arrive in the run
 * (firstFulfilledDay): logistics/shipments numbers an update by its order's number too.
 */
async function checkDayCounts(con: DuckDBConnection, ctx: SqlContext): Promise<void> {
  const { rules, scale } = ctx;
  const maxOrders = Math.min((ORD.browse - ORD.checkout) / 4, ORDER_SLOTS);
  const maxBrowse = Math.floor((ORD.landing - ORD.browse) / BROWSE_EVENTS);
  const maxSessions = Math.floor(ORD.touch / (SESSION_EVENTS + 1));
  const maxLandings = EVENT_ORDINALS - ORD.landing;
  const lo = Math.max(ctx.from - rules.arrival.max_lag_days, rules.company.founded);
  // the orders of the days whose shipments may arrive in the run, before those
  const shipped = Math.min(firstFulfilledDay(ctx), lo);
  const over = (await con.runAndReadAll(`select d::integer, orders::double, browse::double, sessions::double, coalesce(landings, 0)::double from (select d,
      ${ordersOfDaySql(ctx, 'd::integer')} as orders, ${browseSessionsSql(ctx, 'd::integer')} as browse,
      ${backgroundSessionsSql(ctx, 'd::integer')} as sessions
    from range(${shipped}, ${ctx.to + 1}) t(d))
    left join (select day as d, sum(round(clicks * ${CLICKS_LANDED})) as landings from ${adRows(ctx, lo, ctx.to)} group by day) using (d)
    where orders > ${ORDER_SLOTS} or d >= ${lo} and (orders > ${maxOrders} or browse > ${maxBrowse} or sessions > ${maxSessions} or landings > ${maxLandings})
    order by d limit 1`)).getRows()[0] as [number, number, number, number, number] | undefined;
  if (!over) return;
  const [day, orders, browse, sessions, landings] = over;
  throw new LimitError(`the company at scale ${scale} makes ${counted(orders)} orders, ${counted(browse)} marketplace browsing sessions, ${counted(sessions)} site and app sessions and ${counted(landings)} ad landings on ${formatDay(day)}, `
    + `more than the generator can number in a day (at most ${counted(maxOrders)} orders, which shop/orders numbers; ${counted(maxBrowse)} browsing sessions, ${counted(maxSessions)} site and app sessions and ${counted(maxLandings)} ad landings, by which product/events orders the events of a second); `
    + 'lower volume.orders_per_day, volume.events_per_day, volume.campaigns_per_channel, skew.hot_day_multiplier or skew.weekend_factor in the rules, or the scale');
}

/**
 * Throws LimitError when the world built to `horizon` has more accounts than the ordinals that
 * order an account's records among those of a second have room for: product/events' touches
 * (ORD.touch + n * 8 + t, t below 3) below the signups', its signups (ORD.signup + n) below the
 * activation steps', those (ORD.activation + n * 4 + step, step 1 to 3) below the checkouts', and
 * processor/payments' invoices (INVOICE_ORD + n, four records to an ordinal below 2^30). Past them
 * two records would share a sort key. Checked before the world is built, which would take minutes
 * and gigabytes first.
 */
function checkAccounts(rules: Rules, scale: number, horizon: number): void {
  const maxAccounts = Math.min((ORD.signup - ORD.touch) / 8, ORD.activation - ORD.signup, (ORD.checkout - ORD.activation) / 4, 2 ** 28 - INVOICE_ORD);
  const accounts = accountsThrough(rules, scale, horizon);
  if (accounts <= maxAccounts) return;
  throw new LimitError(`the company at scale ${scale} has ${counted(accounts)} accounts by ${formatDay(horizon)} (the run builds its world to 30 days past its last day), `
    + `more than the generator can number (at most ${counted(maxAccounts)}, by which product/events orders an account's touches among the events of a second); `
    + 'lower company.initial_customers or company.signups_per_day in the rules, or the scale, or generate an earlier range');
}

/**
 * DuckDB's out-of-memory error as a one-line LimitError saying what became of the run (`after`,
 * e.g. '; no day was placed, the lake is as it was') and what would fit; any other error as it is.
 * Past its memory limit DuckDB spills to the run's staging folder until the disk is full, and then
 * fails with an out-of-memory error too, whose further lines name `max_temp_directory_size` (by
 * default the disk's free space): that one says the disk is full as well. V8's failure to allocate
 * a WebAssembly instance's memory is a LimitError too, as is a writer's memory full at 4 GB.
 */
export function outOfMemory(e: unknown, scale: number, after: string, memoryLimit?: number): unknown {
  // a WebAssembly writer whose memory V8 cannot allocate (the process's address space limited by
  // ulimit -v: each instance reserves some 10 GB of it), as its thread reports it
  if (e instanceof Error && /^WebAssembly\.[\w.]+\(\): Out of memory/.test(e.message)) {
    return new LimitError(`cannot allocate memory for a WebAssembly writer: ${e.message.split('\n')[0]}${after}; `
      + 'free some memory or raise the limit on the process\'s memory (ulimit -v), or generate at a smaller scale');
  }
  // a WebAssembly writer that has filled the 4 GB its 32-bit addresses reach (the lines of a day it
  // holds to sort them): its runtime's allocator traps when the memory cannot grow
  if (e instanceof Error && e.message === 'unreachable' && /wasm/.test(e.stack ?? '')) {
    return new LimitError(`a WebAssembly writer filled the 4 GB of memory it can address with one day's lines${after}; `
      + 'lower the day\'s volumes in the rules (volume.events_per_day, volume.orders_per_day, skew.hot_day_multiplier), or generate at a smaller scale');
  }
  if (!(e instanceof Error) || !e.message.startsWith('Out of Memory Error: ')) return e;
  const what = e.message.split('\n')[0].slice('Out of Memory Error: '.length).replace(/\.$/, '');
  const smaller = memoryLimit === undefined ? 'generate at a smaller scale' : 'raise --memory-limit or generate at a smaller scale';
  if (/max_temp_directory_size/.test(e.message)) {
    return new LimitError(`the company at scale ${scale} does not fit in memory, nor in the disk space left to spill it to: DuckDB ${what}${after}; `
      + `free some space on the lake's disk, or ${smaller}`);
  }
  return new LimitError(`the company at scale ${scale} does not fit in memory: DuckDB ${what}${after}; ${smaller}`);
}

/**
 * A failure to write the lake's files (the disk or the user's quota full, an I/O error in DuckDB
 * or Node) as one line naming the folder, ending with `after` (what became of the run); anything
 * else as it is. A full disk or quota, or a file larger than the system allows, is a LimitError
 * (exit 1), like a full memory.
 */
export function writeFailure(e: unknown, shown: string, after: string): unknown {
  if (!(e instanceof Error) || e instanceof StratumError) return e;
  const line = e.message.split('\n')[0];
  const code = (e as NodeJS.ErrnoException).code;
  const full = /No space left on device/i.test(line) || code === 'ENOSPC';
  if (full) return new LimitError(`cannot write the lake into ${shown}: no space left on device${after}; free some space, or name a folder on another disk`);
  // the user's share of the disk is full: the same, but more space on the disk would not help
  if (/Disk quota exceeded/i.test(line) || code === 'EDQUOT') return new LimitError(`cannot write the lake into ${shown}: disk quota exceeded${after}; free some of your space, or name a folder on another disk`);
  const io = /^IO Error: (.*)/.exec(line);
  const failure = io ? new UsageError(`cannot write the lake into ${shown}: DuckDB: ${io[1]}${after}`) : lakeFolderError(e, shown, after);
  // a file larger than the system lets one be (ulimit -f, a FAT32 disk's 4 GB) is a limit too
  if ((/File too large/i.test(line) || code === 'EFBIG') && failure instanceof Error) return new LimitError(failure.message);
  return failure;
}

/**
 * Generates arrival days [from, to] into `outDir`. Returns the summary. Throws UsageError when
 * the range is outside what the seeds cover or starts before the company was founded, or when
 * the lake's folder cannot be made or written, is not a lake, or keeps days of another seed, scale
 * or format (one line naming the folder and the cause); LimitError when the company at this scale
 * does not fit in memory; CancelledError when the signal aborts it.
 */
export async function generate(opts: GenerateOptions): Promise<GenerateSummary> {
  const { rules, from, to, scale } = opts;
  const emit = opts.onEvent ?? (() => {});
  if (to < from) throw new UsageError(`the range ends (${formatDay(to)}) before it starts (${formatDay(from)})`);
  for (const day of [from, to]) {
    const why = unavailableDay(rules, day);
    if (why) throw new UsageError(`${formatDay(day)} is ${why}`);
  }
  const started = performance.now();
  const outDir = resolve(opts.outDir);
  // product/events as JSON lines is written by EventsWriter (WebAssembly), other formats through SQL
  const eventsByWriter = rules.formats[events.name] === 'jsonl' && !opts.eventsInSql;
  // and processor/payments as JSON lines by PaymentsWriter
  const paymentsByWriter = rules.formats[payments.name] === 'jsonl' && !opts.paymentsInSql;
  const LANES = eventsByWriter ? EVENTS_WRITER_LANES : SQL_LANES;
  // the lake's folder and the staging folder in it are made first, so that every way they cannot
  // be is reported here
  const fingerprint = rulesFingerprint(rules);
  const { staging, made, replaces } = prepareLakeFolder(outDir, opts.outDir, { seed: rules.seed, scale, rules: fingerprint, formats: rules.formats, from: formatDay(from), to: formatDay(to) },
    (n) => emit({ type: 'finished', days: n }));
  const days = to - from + 1;
  emit({ type: 'start', from: formatDay(from), to: formatDay(to), days, sources: SOURCES.length, scale });

  // the placed batches' folders being removed (see place)
  const removals: Promise<void>[] = [];
  // the database opens off the main thread while the world is built (~25 ms); from here on the
  // `finally` below closes whatever was opened and removes the staging folder. One thread: each
  // statement runs on the thread of its lane's call alone. The lanes keep the cores busy, and a
  // statement split over threads costs more CPU in all (merging sort runs, combining partial
  // results): in 8 alternating pairs of the default dataset, 5.76 s and 11.5 s of CPU against
  // 6.09 s and 12.5 s with two threads; --scale 10 took 44.1 and 53.8 s against 48.0 and 58.1 s.
  // What does not fit in its memory limit DuckDB spills to disk: into the staging folder, which goes
  // with the run, rather than DuckDB's default of `.tmp` in the working folder.
  const opening = DuckDBInstance.create(':memory:', { threads: '1', preserve_insertion_order: 'true', temp_directory: join(staging, 'spill'),
    ...(opts.memoryLimit === undefined ? {} : { memory_limit: `${opts.memoryLimit}B` }) });
  // Lanes of sources (see LANES), one connection each, and one that builds the order universes: a
  // single statement stream keeps only about one of the two cores busy (small per-day COPYs, truth
  // queries, cutting files in JS), and more lanes than cores fill each other's single-threaded
  // phases. Each connection has its own temp staging table; the world, the order universes and
  // the records handed on between batches are shared.
  const cons: DuckDBConnection[] = [];
  const onAbort = () => cons.forEach((c) => c.interrupt());
  opts.signal?.addEventListener('abort', onAbort);
  let placed = 0; // days of this run in place
  let ended = false; // every day placed: a staging folder that cannot be removed is then the run's error
  // the days done before a cancel or a failure are not placed when the run replaces the lake's company
  const heldNote = replaces ? ' (it replaces a lake of another seed, scale, rules or formats: every day is placed at the end)' : '';
  const placedDays = () => `${placed} of ${days} days (${formatDay(from)} .. ${formatDay(from + placed - 1)})`;
  const checkAbort = () => {
    if (!opts.signal?.aborted) return;
    throw new CancelledError(placed === 0 ? `generation cancelled before it placed any day${heldNote}; the lake is as it was`
      : `generation cancelled after placing ${placedDays()}, each complete; the others are as they were`);
  };
  const summary: GenerateSummary = { from: formatDay(from), to: formatDay(to), seed: rules.seed, scale, out: outDir, days, rows: 0, bytes: 0, seconds: 0, rowsPerSecond: 0, bySource: {}, defects: {} };
  // the staged days not placed yet: the batch's, or every batch's so far in a run that replaces
  // the lake's company
  const held: string[] = [];
  /**
   * Adds batch `b`'s written pieces to the summary and stages its days' manifests; then places the
   * days staged so far (`now`), or moves them into batch folder `into` to be placed later.
   */
  const place = ({ ctx, dir, perSource }: Batch, into: string, now: boolean) => {
    // manifests and totals in the fixed SOURCES order, whatever order the lanes finished in
    const truths = new Map<number, TruthManifest>();
    for (let d = ctx.from; d <= ctx.to; d++) truths.set(d, { dt: formatDay(d), seed: rules.seed, scale, rules: fingerprint, sources: {}, drift: driftOn(rules, d) });
    for (const src of SOURCES) {
      const s = (summary.bySource[src.name] ??= { format: rules.formats[src.name], rows: 0, bytes: 0 });
      // a source with no rows on a day (a rules file's zero volume) writes no file, and says so
      for (const t of truths.values()) t.sources[src.name] = { format: rules.formats[src.name], files: [], rows: 0, bytes: 0, defects: {} };
      for (const [day, t] of perSource.get(src.name)!) {
        truths.get(day)!.sources[src.name] = t;
        s.rows += t.rows;
        s.bytes += t.bytes;
        summary.rows += t.rows;
        summary.bytes += t.bytes;
        for (const [k, v] of Object.entries(t.defects)) summary.defects[k] = (summary.defects[k] ?? 0) + (v?.count ?? 0);
      }
    }
    // stage every day's manifest, write the batch's journal, then place it day by day (see
    // lakeFolder.ts): from the journal on, a run that dies is completed by the next one
    const dts: string[] = [];
    for (let d = ctx.from; d <= ctx.to; d++) {
      const truthDir = join(dir, '_truth', `dt=${formatDay(d)}`);
      mkdirSync(truthDir, { recursive: true });
      writeFileSync(join(truthDir, 'truth.json'), JSON.stringify(truths.get(d), null, 1) + '\n');
      dts.push(formatDay(d));
    }
    if (into !== dir) {
      gatherBatch(dir, into, dts);
      removals.push(rm(dir, { recursive: true, force: true }));
    }
    held.push(...dts);
    if (!now) {
      // staged, to be placed with the last batch
      emit({ type: 'days', done: ctx.to - from + 1, total: days });
      return;
    }
    // until the journal is written, a failure (a read-only folder, a full disk) places no day of
    // the batch, and leaves no folder made for it
    const madeForBatch = readyPlacement(outDir, into, held);
    try {
      writeJournal(into, held);
    } catch (e) {
      removeMadeFolders(madeForBatch);
      throw e;
    }
    try {
      placeBatch(into, outDir);
    } catch (e) {
      throw writeFailure(e, opts.outDir, '; the next run into it places the rest of the batch');
    }
    // the batch's emptied folders are removed off the main thread: an rmdir there waits on the
    // disk while the other lanes write (0.6-0.9 s of the main thread at --scale 10, in some 650
    // calls, some of 0.1 s), and the main thread is what starts the lanes' statements
    removals.push(rm(into, { recursive: true, force: true }));
    held.length = 0;
    placed = ctx.to - from + 1;
    emit({ type: 'days', done: placed, total: days });
  };
  // the account tables are appended on the first lane's connection while the universe connection
  // builds the first order universe; every lane waits for them before its first source
  let accounts: Promise<void> = Promise.resolve();
  const threads: WasmWriterThread[] = [];
  try {
    checkAbort();
    const worldStarted = performance.now();
    checkAccounts(rules, scale, to + 30);
    const world = buildWorld(rules, scale, to + 30);
    // the WebAssembly writers run on threads of their own (wasmThread.ts)
    const accountsData = eventsByWriter ? wasmAccounts(world) : undefined;
    const eventsWriter = eventsByWriter ? new WasmWriterThread({ kind: 'events', rules, accounts: accountsData!, buffers: opts.eventsBuffers }) : undefined;
    const paymentsWriter = paymentsByWriter ? new WasmWriterThread({ kind: 'payments', rules, accounts: paymentsAccounts(world), piece: opts.paymentsPiece }) : undefined;
    for (const t of [eventsWriter, paymentsWriter]) if (t) threads.push(t);
    emit({ type: 'world', from: formatDay(rules.company.founded), to: formatDay(world.horizon), accounts: world.customers.length, subscriptionChanges: world.subscriptionChanges.length,
      invoices: world.invoices.length, seconds: (performance.now() - worldStarted) / 1000 });
    const db = await opening;
    // a connection per lane, and one more that builds the order universes
    for (let i = 0; i <= LANES.length; i++) cons.push(await db.connect());
    const ucon = cons[LANES.length];
    await loadOrderWorldTables(ucon, rules, world);
    await checkDayCounts(ucon, { rules, scale, from, to, universe: from });
    // at scale 1 the default range is one batch; larger scales take ~40/scale days at a time:
    // records arriving later are handed on, so the batch size bounds memory (two batches in
    // flight) and costs no repeated work. In five alternating pairs of --scale 10 --days 30,
    // batches of 4 days took as long as batches of 6 (24.19 s against 24.16 s, medians) with
    // 1.8-2.0 GB of peak memory against 2.2-2.4 GB; on the whole range, a few percent longer if
    // anything (58.6 and 61.8 s against 55.0 and 60.8 s) for 2.2-2.4 GB against 2.5-2.7 GB
    const batch = opts.batchDays ?? (scale <= 1 ? 120 : Math.max(3, Math.floor(40 / scale)));
    const batches: Batch[] = [];
    for (let b = from; b <= to; b += batch) {
      const ctx: SqlContext = { rules, scale, from: b, to: Math.min(to, b + batch - 1), continues: b > from, more: b + batch - 1 < to, universe: b };
      // each piece of work over the days it covers in this batch (a part may have none); the parts
      // of a source turn round its lanes from batch to batch (see LANES)
      const bi = batches.length;
      const turned = ([p, n]: readonly [number, number]) => (((p - bi) % n) + n) % n;
      const lanes = LANES.map((lane) => lane.flatMap(({ src, part }) => {
        const c = part === undefined ? ctx : partContext(ctx, turned(part), part[1], opts.partDays ?? PART_DAYS);
        return c ? [{ src, ctx: c, handedOn: settled(), done: settled() }] : [];
      }));
      batches.push({ ctx, dir: join(staging, `batch-${b}`), lanes, universe: settled(), done: settled(),
        universeReaders: lanes.flat().filter((w) => w.src.readsOrders).length, perSource: new Map(SOURCES.map((src) => [src.name, new Map()])) });
    }
    // The first failure stops the run: every piece, universe and batch not yet done fails with it,
    // so that whatever waits for them stops; the run waits for every lane to stop before it throws
    // (closing a connection under a running statement hangs).
    let failure: { error: unknown } | undefined;
    const fail = (error: unknown) => {
      failure ??= { error };
      for (const b of batches) for (const s of [b.universe, b.done, ...b.lanes.flat().flatMap((p) => [p.handedOn, p.done])]) s.reject(failure.error);
    };
    // A batch may start once the batch WINDOW before it is placed: the lanes do not wait for each
    // other at a batch's end, so the next batch's short lanes run while its longest finishes.
    const mayStart = (bi: number) => (bi >= WINDOW ? batches[bi - WINDOW].done.promise : Promise.resolve());
    // each lane stops before its next statement (EventsWriter and PaymentsWriter before their next
    // day), and the universes before their next batch's, once the run is cancelled or another lane
    // has failed: interrupting a connection (a cancel does) stops only the call running then
    const stopped = () => failure !== undefined || !!opts.signal?.aborted;
    // A universe's statements go to DuckDB as one call, which runs them one after the other on its
    // own thread with none of them waiting for the main thread; the first is on its way before this
    // function goes on (no await before it), and the main thread appends the account tables and
    // builds the text pools (some 0.15 s of faker) meanwhile
    const universes = (async () => {
      for (const [bi, b] of batches.entries()) {
        // not `await mayStart(bi)` for every batch: even an await of a settled promise would hold the
        // first call until the pools' synchronous faker below had run
        if (bi >= WINDOW) await mayStart(bi);
        if (stopped()) throw new CancelledError('the order universe stopped');
        // while it runs, the call is interrupted again and again once the run stops (a cancel, or
        // another lane's failure): an interrupt that lands before DuckDB has begun the call is lost
        await whileRunning(() => ucon.run(orderUniverseStatements(b.ctx).join(';\n')), stopped, () => ucon.interrupt());
        b.universe.resolve();
      }
    })().catch(fail);
    accounts = loadAccountWorldTables(cons[0], rules, world);
    accounts.catch(() => {}); // awaited by the lanes, and in `finally`
    const lanes = LANES.map(async (_, i) => {
      await accounts;
      for (const [bi, b] of batches.entries()) {
        await mayStart(bi);
        for (const piece of b.lanes[i]) {
          const { src, ctx } = piece;
          if (src.readsOrders) await b.universe.promise;
          if (failure) throw failure.error;
          checkAbort();
          const t0 = performance.now();
          // a batch's first part of a source takes over what the previous batch's last part hands
          // on; on this lane, that part is done
          const handing = ctx.continues ? batches[bi - 1].lanes.flatMap((lane, j) => lane.map((p) => ({ p, j }))).find(({ p }) => p.src === src && p.ctx.more) : undefined;
          const takeOver = handing && handing.j !== i ? () => handing.p.handedOn.promise : undefined;
          // EventsWriter and PaymentsWriter keep the records a batch hands on themselves: their
          // pieces run in batch order on one lane
          const writer = src === events ? eventsWriter : src === payments ? paymentsWriter : undefined;
          const perDay = writer
            ? await writer.write(cons[i], ctx, b.dir, stopped).finally(piece.handedOn.resolve)
            : await writeSource(cons[i], src, ctx, rules.formats[src.name], b.dir, NESTED_COLUMNS, { takeOver, handedOn: piece.handedOn.resolve }, stopped);
          // the last source to read the universe drops it, freeing its memory while others still work
          if (src.readsOrders && --b.universeReaders === 0) for (const sql of dropOrderUniverseStatements(ctx)) await cons[i].run(sql);
          let rows = 0;
          let bytes = 0;
          for (const [day, t] of perDay) {
            b.perSource.get(src.name)!.set(day, t);
            rows += t.rows;
            bytes += t.bytes;
          }
          emit({ type: 'source', source: src.name, from: formatDay(ctx.from), to: formatDay(ctx.to), rows, bytes, seconds: (performance.now() - t0) / 1000 });
          piece.done.resolve();
        }
      }
    }).map((lane) => lane.catch(fail));
    // each batch is placed once all its pieces are written, in order
    const placing = (async () => {
      for (const b of batches) {
        await Promise.all(b.lanes.flat().map((p) => p.done.promise));
        checkAbort();
        // A run that replaces a lake of another company or layout (another seed, scale, rules or
        // format) gathers its batches into the first and places them with the last, in one
        // journal: placed batch by batch, a run cancelled or failing half way would leave the
        // lake holding days of two companies
        place(b, replaces ? batches[0].dir : b.dir, !replaces || b === batches[batches.length - 1]);
        b.done.resolve();
      }
    })().catch(fail);
    await Promise.all([universes, ...lanes, placing]);
    checkAbort();
    if (failure) throw failure.error;
    ended = true;
  } catch (e) {
    // whatever a cancel interrupted (a statement, an appender) fails with DuckDB's INTERRUPT: the
    // run was cancelled, and says so
    checkAbort();
    const after = placed === 0 ? `; no day was placed${heldNote}, the lake is as it was` : `; ${placedDays()} were placed, each complete, the others are as they were`;
    throw writeFailure(outOfMemory(e, scale, after, opts.memoryLimit), opts.outDir, after);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await accounts.catch(() => {}); // closing a connection under a running statement hangs
    for (const c of cons) c.closeSync();
    // every lane has stopped, and with it its writer's thread's last batch
    await Promise.all(threads.map((t) => t.close()));
    // a database that could not open (a memory limit too small for its first allocation) failed the run above
    (await opening.catch(() => undefined))?.closeSync();
    await Promise.allSettled(removals); // what one left, releaseStaging removes
    let unreleased: unknown;
    try {
      releaseStaging(staging);
    } catch (e) {
      // the staging folder cannot be removed (the lake's folder made read-only under the run): a
      // failed run's own error says more, and the next run into the lake removes it
      unreleased = e;
    }
    // a run that failed or was cancelled before placing a day leaves no folder it made
    if (placed === 0) removeMadeFolders(made);
    if (ended && unreleased !== undefined) throw lakeFolderError(unreleased, opts.outDir, `; all ${days} day(s) were placed, each complete; the next run into it removes what is left`);
  }
  summary.seconds = (performance.now() - started) / 1000;
  summary.rowsPerSecond = Math.round(summary.rows / summary.seconds);
  emit({ type: 'done', summary });
  return summary;
}
