/**
 * What a raw source is to the writer: a SQL query producing its records with arrival day,
 * order, truth key and defect flags, plus the column lists written to the files (which may change
 * on a drift date). Duplicates and malformed records are added by the writer, the same way for
 * every source (see ../writer.ts).
 */
import type { DefectKind, SourceName } from '../rules.js';
import type { SqlContext } from '../sqlRandom.js';

/** The output columns in force for arrival days in [from, to] (day numbers, inclusive). */
export interface ColumnVariant {
  readonly from?: number;
  readonly to?: number;
  /** `expr as name` items, evaluated over the source's records (a flat select list). */
  readonly columns: readonly string[];
  /**
   * For JSON lines: an SQL expression giving the whole line, when it should differ from
   * `to_json` of the columns (e.g. leaving out absent properties, as trackers do).
   */
  readonly json?: string;
}

/** A raw source of the lake. */
export interface SourceDef {
  readonly name: SourceName;
  /** Human description for the README and the notebook. */
  readonly description: string;
  /** Defect kinds this source can carry; the others are always 0 in its truth entry. */
  readonly defects: readonly DefectKind[];
  /**
   * `seq` (a BIGINT) is unique among the records of a day, so files are ordered by it alone;
   * otherwise `rkey` breaks ties (slower: a string sort key).
   */
  readonly uniqueSeq?: boolean;
  /** Reads the batch's order universe (see orderUniverse.ts), so waits until it is built. */
  readonly readsOrders?: boolean;
  /** Truth keys of a defect kind when not `rkey` (e.g. the order id of a double payment). */
  readonly truthKeys?: Partial<Record<DefectKind, string>>;
  /**
   * SQL of the records arriving in [ctx.from, ctx.to], with columns:
   * `dt` (DATE, arrival day), `seq` (sort key within the day), `rkey` (VARCHAR truth key),
   * `d_<kind>` (BOOLEAN) for each kind in `defects` except duplicate and malformed, and every
   * column the variants reference.
   */
  records(ctx: SqlContext): string;
  /** Output column lists by arrival-day range; together they cover every day. */
  variants(ctx: SqlContext): readonly ColumnVariant[];
}
