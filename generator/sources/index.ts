/** Every raw source, in generation order. */
import { customers, subscriptions } from './cdc.js';
import { events } from './events.js';
import { payments } from './payments.js';
import type { SourceDef } from './source.js';
import { orderItems, orders, shipments } from './shop.js';
import { adSpend, tickets } from './support.js';

export const SOURCES: readonly SourceDef[] = [customers, subscriptions, orders, orderItems, shipments, tickets, payments, events, adSpend];

/**
 * A piece of work: a source over its batch's arrival days, or over part `part[0]` of `part[1]`
 * consecutive parts of them (generated as batches of their own: see partContext in generate.ts).
 */
export interface LaneWork {
  readonly src: SourceDef;
  readonly part?: readonly [index: number, of: number];
}

/**
 * How a run's work is laid out on lanes, one DuckDB connection each (a further connection builds
 * the order universes). A pinned lane runs its own pieces, batch after batch. The `shared` lanes
 * take the pieces of `queue`: each lane, when free, takes the next piece of its batch that no lane
 * has taken, and once a batch's are all taken, goes on to the next batch's.
 */
export interface Layout {
  readonly pinned: readonly (readonly LaneWork[])[];
  readonly queue: readonly LaneWork[];
  readonly shared: number;
}

/**
 * The queue's order: first the sources that do not read the order universe (they run while it is
 * built), then the others, the largest first, so that what is left at the end of a batch is small.
 * Fixed lanes left a core idle at the end of a run: a lane's last source ran alone while the
 * other lanes had finished, for 0.4-0.75 s of a 5.9-7.0 s default dataset in three traced runs.
 */
const BEFORE_UNIVERSE: readonly LaneWork[] = [customers, subscriptions, tickets, adSpend].map((src) => ({ src }));
const AFTER_UNIVERSE: readonly LaneWork[] = [orderItems, payments, shipments, orders].map((src) => ({ src }));

/**
 * The layout when product/events goes through its SQL (another format than JSON lines): four shared
 * lanes on two cores, so that while one lane is in a single-threaded phase (per-day Parquet COPYs,
 * a truth query, JS cutting a file into days) the others keep the cores busy. `product/events` is
 * nearly half the work: whole, it ran alone on one core for the last third of a run. Its days are
 * cut in two parts: in 16 alternating runs of the default dataset, 7.74 s against 8.48 s
 * (medians), for some 4% more CPU then (the second part looks back over the days before it; it
 * now generates of them only the records that arrive late into it). A batch at larger scales
 * (40/scale days) is too short to cut, and is one part, generated while the previous batch's
 * are still sorted and written (they take over its handed-on records only for the sort).
 */
export const LANES: Layout = {
  pinned: [],
  queue: [...BEFORE_UNIVERSE, { src: events, part: [0, 2] }, { src: events, part: [1, 2] }, ...AFTER_UNIVERSE],
  shared: 4,
};

/**
 * The layout when product/events is written as JSON lines by EventsWriter (../eventsWriter.ts,
 * WebAssembly on the main thread), which keeps the records a batch hands on itself, and so runs
 * batch after batch on a lane of its own, whose connection only reads a batch's web and app orders
 * and ad clicks; the other sources share three lanes.
 */
export const EVENTS_WRITER_LANES: Layout = {
  pinned: [[{ src: events }]],
  queue: [...BEFORE_UNIVERSE, ...AFTER_UNIVERSE],
  shared: 3,
};

/** Columns that hold nested values (structs, lists): written as JSON text in CSV. */
export const NESTED_COLUMNS: ReadonlySet<string> = new Set(['properties', 'metadata', 'payment_method_details']);
