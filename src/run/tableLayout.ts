/**
 * Maps a node's dbt-bigquery style `partition_by` / `cluster_by` config to the adapter's
 * TableLayout, validating the keys with ConfigError naming the model's file and key.
 */
import type { TableLayout } from '../engine/adapter.js';
import { ConfigError } from '../errors.js';
import type { ProjectNode } from '../project/types.js';

const DATA_TYPES = ['date', 'timestamp', 'datetime', 'int64'] as const;
const GRANULARITIES = ['hour', 'day', 'month', 'year'] as const;

/** The layout of a model's table, or undefined when it has neither partition_by nor cluster_by. */
export function tableLayout(node: ProjectNode): TableLayout | undefined {
  const { partition_by: p, cluster_by: c } = node.config;
  const file = node.patchPath ?? node.originalFilePath;
  const clusterBy = c === undefined || c === null ? undefined : typeof c === 'string' ? [c] : [...c];
  if (clusterBy?.some((x) => typeof x !== 'string')) throw new ConfigError('cluster_by must be a column name or a list of column names', { file, key: `${node.name}.config.cluster_by` });
  if (p === undefined || p === null) return clusterBy ? { clusterBy } : undefined;
  if (typeof p !== 'object' || typeof p.field !== 'string') {
    throw new ConfigError('partition_by needs a `field`', { file, key: `${node.name}.config.partition_by.field` });
  }
  const dataType = (p.data_type ?? 'date').toLowerCase() as (typeof DATA_TYPES)[number];
  if (!DATA_TYPES.includes(dataType)) {
    throw new ConfigError(`partition_by.data_type must be one of ${DATA_TYPES.join(', ')}, got '${p.data_type}'`, { file, key: `${node.name}.config.partition_by.data_type` });
  }
  const granularity = (p.granularity ?? 'day').toLowerCase() as (typeof GRANULARITIES)[number];
  if (!GRANULARITIES.includes(granularity)) {
    throw new ConfigError(`partition_by.granularity must be one of ${GRANULARITIES.join(', ')}, got '${p.granularity}'`, { file, key: `${node.name}.config.partition_by.granularity` });
  }
  return { partitionBy: { field: p.field, dataType, granularity }, clusterBy };
}
