/** Every raw source, in generation order. */
import { customers, subscriptions } from './cdc.js';
import { events } from './events.js';
import { payments } from './payments.js';
import type { SourceDef } from './source.js';
import { orderItems, orders, shipments } from './shop.js';
import { adSpend, tickets } from './support.js';

export const SOURCES: readonly SourceDef[] = [customers, subscriptions, orders, orderItems, shipments, tickets, payments, events, adSpend];

/**
 * The sources split in two lanes of about equal work, generated concurrently. The first lane
 * builds the order universe first; the second starts with the sources that do not read it.
 */
export const LANES: readonly (readonly SourceDef[])[] = [
  [events, payments],
  [customers, subscriptions, tickets, adSpend, orderItems, shipments, orders],
];

/** Columns that hold nested values (structs, lists): written as JSON text in CSV. */
export const NESTED_COLUMNS: ReadonlySet<string> = new Set(['properties', 'metadata', 'payment_method_details']);
