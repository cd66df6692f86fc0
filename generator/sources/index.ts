/** Every raw source, in generation order. */
import { customers, subscriptions } from './cdc.js';
import { events } from './events.js';
import { payments } from './payments.js';
import type { SourceDef } from './source.js';
import { orderItems, orders, shipments } from './shop.js';
import { adSpend, tickets } from './support.js';

export const SOURCES: readonly SourceDef[] = [customers, subscriptions, orders, orderItems, shipments, tickets, payments, events, adSpend];

/**
 * A lane's piece of work: a source over its batch's arrival days, or over part `part[0]` of
 * `part[1]` consecutive parts of them (generated as batches of their own: see partContext in
 * generate.ts).
 */
export interface LaneWork {
  readonly src: SourceDef;
  readonly part?: readonly [index: number, of: number];
}

/**
 * The work in four lanes when product/events goes through its SQL (another format than JSON lines),
 * generated concurrently on one connection each; a fifth builds the order
 * universes, and the third lane starts with the sources that do not read them. Four lanes on two
 * cores: while one lane is in a single-threaded phase (per-day Parquet COPYs, a truth query, JS
 * cutting a file into days) the others keep the cores busy. `product/events` is nearly half the
 * work: whole, it ran alone on one core for the last third of a run. Its days are cut in two
 * parts on two lanes: in 16 alternating runs of the default dataset, 7.74 s against 8.48 s
 * (medians), for some 4% more CPU then (the second part looks back over the days before it;
 * it now generates of them only the records that arrive late into it).
 *
 * The parts of a source turn round its lanes from batch to batch: part p of batch b runs on the
 * lane that LANES gives part (p + b) mod n. A batch at larger scales (40/scale days) is too short
 * to cut, and its one part alternates between the two lanes, so that a batch's events are
 * generated while the previous batch's are still sorted and written (they take over its handed-on
 * records only for the sort): in five alternating pairs of --scale 10 --days 30, 20.72 s against
 * 24.42 s (medians).
 */
export const LANES: readonly (readonly LaneWork[])[] = [
  [{ src: events, part: [0, 2] }],
  [{ src: events, part: [1, 2] }],
  [customers, subscriptions, tickets, adSpend, orderItems, orders].map((src) => ({ src })),
  [payments, shipments].map((src) => ({ src })),
];

/**
 * The lanes when product/events is written as JSON lines by EventsWriter (../eventsWriter.ts,
 * WebAssembly on a thread of its own: ../wasmThread.ts), whose lane's connection only reads a batch's web and app orders
 * and ad clicks; the other sources share three lanes. processor/payments as JSON lines is written
 * the same way, by PaymentsWriter (../paymentsWriter.ts): its lane's connection only reads the
 * batch's paid orders and invoices (a fifth of a second of DuckDB for the default dataset), and
 * the lane is its own so that its WebAssembly thread starts as soon as the batch's
 * order universe is built (in another format, through
 * its SQL, the payments are the lane's whole DuckDB work, as before). Other layouts measured (the
 * small sources before the events on their lane, three lanes instead of four; shipments after the
 * payments on their lane, orders alone on theirs: 6.41, 6.10, 6.19 s against 6.25, 6.20, 7.26 s)
 * were not told apart from this one within the machine's noise.
 */
export const EVENTS_WRITER_LANES: readonly (readonly LaneWork[])[] = [
  [{ src: events }],
  [customers, subscriptions, tickets, adSpend, orderItems].map((src) => ({ src })),
  [orders, shipments].map((src) => ({ src })),
  [payments].map((src) => ({ src })),
];

/** Columns that hold nested values (structs, lists): written as JSON text in CSV. */
export const NESTED_COLUMNS: ReadonlySet<string> = new Set(['properties', 'metadata', 'payment_method_details']);
