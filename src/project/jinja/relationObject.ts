/**
 * The relation object templates see as `this`, `ref('x')`, `source('s', 't')`: renders to the
 * quoted name when printed and exposes dbt's attributes (`database`, `schema`, `identifier`,
 * `name`, `type`) and methods (`render()`, `include()`, `incorporate()`).
 */
import type { Dialect } from '../../engine/adapter.js';
import { renderRelation } from '../relationName.js';
import type { Relation } from '../types.js';
import { splitArgs } from './environment.js';

/** A relation as a Jinja value. `rendered` overrides the printed form (ephemeral CTEs, external sources). */
export class JinjaRelation {
  readonly database: string;
  readonly schema: string;
  readonly identifier: string;
  readonly name: string;
  readonly table: string;
  readonly type: string | null;
  readonly is_table: boolean;
  readonly is_view: boolean;
  private readonly parts: { database: boolean; schema: boolean; identifier: boolean };

  constructor(
    rel: Relation,
    private readonly dialect: Dialect,
    private readonly rendered?: string,
    type: string | null = null,
    parts = { database: true, schema: true, identifier: true },
  ) {
    this.database = rel.database;
    this.schema = rel.schema;
    this.identifier = rel.identifier;
    this.name = rel.identifier;
    this.table = rel.identifier;
    this.type = type;
    this.is_table = type === 'table';
    this.is_view = type === 'view';
    this.parts = parts;
  }

  /** The quoted name, e.g. `"db"."main"."orders"`. */
  render(): string {
    if (this.rendered !== undefined) return this.rendered;
    const p = this.parts;
    if (p.database && p.schema && p.identifier) return renderRelation(this, this.dialect);
    const q = (s: string): string => renderRelation({ database: '', schema: '', identifier: s }, this.dialect).split('.').pop() as string;
    return [p.database ? q(this.database) : '', p.schema ? q(this.schema) : '', p.identifier ? q(this.identifier) : ''].filter(Boolean).join('.');
  }

  toString(): string {
    return this.render();
  }

  /** dbt's `include(database=False, ...)`: a copy printing only some parts. */
  include(...raw: unknown[]): JinjaRelation {
    const { kwargs } = splitArgs(raw);
    const pick = (k: 'database' | 'schema' | 'identifier'): boolean => (k in kwargs ? Boolean(kwargs[k]) : this.parts[k]);
    return new JinjaRelation(this, this.dialect, undefined, this.type, { database: pick('database'), schema: pick('schema'), identifier: pick('identifier') });
  }

  /** dbt's `incorporate(path={...}, type=...)`: a copy with some parts replaced. */
  incorporate(...raw: unknown[]): JinjaRelation {
    const { kwargs } = splitArgs(raw);
    const path = (kwargs.path ?? {}) as Partial<Relation>;
    const rel = { database: path.database ?? this.database, schema: path.schema ?? this.schema, identifier: path.identifier ?? this.identifier };
    return new JinjaRelation(rel, this.dialect, undefined, typeof kwargs.type === 'string' ? kwargs.type : this.type);
  }

  /** dbt's `quote(...)`: identifiers are always quoted here, so this is the relation itself. */
  quote(): JinjaRelation {
    return this;
  }
}
