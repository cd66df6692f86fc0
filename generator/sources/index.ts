/** Every raw source, in generation order. */
import { customers, subscriptions } from './cdc.js';
import { events } from './events.js';
import { payments } from './payments.js';
import type { SourceDef } from './source.js';
import { orderItems, orders, shipments } from './shop.js';
import { adSpend, tickets } from './support.js';

export const SOURCES: readonly SourceDef[] = [customers, subscriptions, orders, orderItems, shipments, tickets, payments, events, adSpend];

/**
 * The sources in four lanes, generated concurrently on one connection each. The first lane's
 * connection builds the order universe; the second lane starts with the sources that do not read
 * it. Four lanes on two cores: while one lane is in a single-threaded phase (per-day Parquet
 * COPYs, a truth query, JS cutting a file into days) the others keep the cores busy. Against two
 * lanes ([events, payments] and the rest), the default dataset took 4.72 s against 5.32 s (mean
 * of four alternating runs each) and --scale 10 41.9 s against 45.5 s.
 */
export const LANES: readonly (readonly SourceDef[])[] = [
  [events],
  [customers, subscriptions, tickets, adSpend, orderItems],
  [payments, orders],
  [shipments],
];

/** Columns that hold nested values (structs, lists): written as JSON text in CSV. */
export const NESTED_COLUMNS: ReadonlySet<string> = new Set(['properties', 'metadata', 'payment_method_details']);
