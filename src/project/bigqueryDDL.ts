/**
 * BigQuery DDL for a compiled model, as dbt-bigquery writes it: `create or replace table
 * <rel> partition by <expr> cluster by <cols> as (<select>)` or `create or replace view`.
 * The partition expression follows dbt-bigquery's PartitionConfig.render().
 */
import { ConfigError } from '../errors.js';
import { quoteIdentifier, renderRelation } from './relationName.js';
import type { PartitionByConfig, Relation } from './types.js';

/** What to create. */
export interface BigQueryDDLInput {
  readonly relation: Relation;
  /** The model's compiled select. */
  readonly sql: string;
  readonly kind: 'table' | 'view';
  readonly partitionBy?: PartitionByConfig;
  readonly clusterBy?: string | readonly string[];
}

/** dbt-bigquery's partition expression: the column for date/day and int64, else `<type>_trunc(col, gran)`. */
export function bigqueryPartitionExpression(p: PartitionByConfig): string {
  const col = quoteIdentifier(p.field, 'bigquery');
  const type = (p.data_type ?? 'date').toLowerCase();
  const gran = (p.granularity ?? 'day').toLowerCase();
  if (type === 'int64') {
    if (!p.range) throw new ConfigError(`partition_by on int64 column '${p.field}' needs range: {start, end, interval}`, { file: 'dbt_project.yml', key: 'partition_by.range' });
    return `range_bucket(${col}, generate_array(${p.range.start}, ${p.range.end}, ${p.range.interval}))`;
  }
  if (type === 'date' && gran === 'day') return col;
  return `${type}_trunc(${col}, ${gran})`;
}

/** Renders the `create or replace` statement. Views ignore partitioning and clustering. */
export function bigqueryDDL(input: BigQueryDDLInput): string {
  const name = renderRelation(input.relation, 'bigquery');
  const body = input.sql.trim().replace(/;\s*$/, '');
  if (input.kind === 'view') return `create or replace view ${name}\nas (\n${body}\n)`;
  const lines = [`create or replace table ${name}`];
  if (input.partitionBy) lines.push(`partition by ${bigqueryPartitionExpression(input.partitionBy)}`);
  const cluster = input.clusterBy === undefined ? [] : typeof input.clusterBy === 'string' ? [input.clusterBy] : [...input.clusterBy];
  if (cluster.length > 4) throw new ConfigError(`cluster_by takes at most 4 columns on BigQuery, got ${cluster.length}`, { file: 'dbt_project.yml', key: 'cluster_by' });
  if (cluster.length) lines.push(`cluster by ${cluster.map((c) => quoteIdentifier(c, 'bigquery')).join(', ')}`);
  lines.push(`as (\n${body}\n)`);
  return lines.join('\n');
}
