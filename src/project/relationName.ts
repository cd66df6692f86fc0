/**
 * Naming of relations as dbt does it: the schema a node is built in (dbt's default
 * `generate_schema_name`), and a relation rendered for each dialect — `"db"."schema"."table"` on
 * DuckDB (dbt-duckdb), `` `project`.`dataset`.`table` `` on BigQuery (dbt-bigquery).
 */
import type { Dialect, RelationRef } from '../engine/adapter.js';
import type { ProfileTarget, Relation } from './types.js';

/** Quotes one identifier for a dialect (doubling embedded quote characters). */
export function quoteIdentifier(name: string, dialect: Dialect): string {
  return dialect === 'bigquery' ? `\`${name.replace(/`/g, '\\`')}\`` : `"${name.replace(/"/g, '""')}"`;
}

/** Renders a relation as a fully quoted three-part name for the dialect. */
export function renderRelation(rel: Relation, dialect: Dialect): string {
  return [rel.database, rel.schema, rel.identifier].map((p) => quoteIdentifier(p, dialect)).join('.');
}

/** dbt's default `generate_schema_name`: the target schema, or `<target schema>_<custom>`. */
export function generateSchemaName(custom: string | undefined, target: ProfileTarget): string {
  const c = custom?.trim();
  return c ? `${target.schema}_${c}` : target.schema;
}

/** Converts a resolved relation to the engine adapter's RelationRef. */
export function toRelationRef(rel: Relation): RelationRef {
  return { database: rel.database, schema: rel.schema, name: rel.identifier };
}

/** The relation a model or seed builds, from its config: database, custom schema and alias. */
export function nodeRelation(name: string, config: { schema?: unknown; alias?: unknown; database?: unknown }, target: ProfileTarget): Relation {
  return {
    database: typeof config.database === 'string' && config.database ? config.database : target.database,
    schema: generateSchemaName(typeof config.schema === 'string' ? config.schema : undefined, target),
    identifier: typeof config.alias === 'string' && config.alias ? config.alias : name,
  };
}
