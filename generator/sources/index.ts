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

/** Lanes of work, generated concurrently on one connection each. */
export type Lanes = readonly (readonly LaneWork[])[];

/**
 * The work of a batch in lanes, one connection each. DuckDB runs one thread, so a lane keeps one
 * core busy at most. The first lane's connection builds the order universe first; the others start
 * with sources that do not read it. `product/events` is nearly half the work, and so the critical
 * path: on a lane shared with others it ran on alone for the last third of a run, one core idle.
 * - `cut`, for a batch long enough to cut in two (see partContext in generate.ts; the default
 *   dataset is): events in two parts on two lanes, the other sources on two more. In 16
 *   alternating runs of the default dataset against events whole on one of four lanes, 7.74 s
 *   against 8.48 s (medians), for 4% more CPU (the second part generates again the days it looks
 *   back over).
 * - `whole`, for a shorter batch (60/scale days at --scale 2 and up): events on a lane of their
 *   own, so on a core of their own, and every other source on the second. Against three lanes
 *   (events; six sources; payments and shipments), `--scale 10 --days 30` took 23.5 s against
 *   24.4 s (medians of eight alternating runs; 25.1 s against 29.1 s in four earlier ones).
 */
export const LANES: { readonly cut: Lanes; readonly whole: Lanes } = {
  cut: [
    [{ src: events, part: [0, 2] }],
    [{ src: events, part: [1, 2] }],
    [customers, subscriptions, tickets, adSpend, orderItems, orders].map((src) => ({ src })),
    [payments, shipments].map((src) => ({ src })),
  ],
  whole: [
    [{ src: events }],
    [customers, subscriptions, tickets, adSpend, orderItems, orders, payments, shipments].map((src) => ({ src })),
  ],
};

/** Columns that hold nested values (structs, lists): written as JSON text in CSV. */
export const NESTED_COLUMNS: ReadonlySet<string> = new Set(['properties', 'metadata', 'payment_method_details']);
