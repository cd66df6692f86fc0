/**
 * Relation names through the project's naming macros, as dbt's parser does: for every model,
 * seed and test, `generate_database_name(config.database, node)`, then
 * `generate_schema_name(config.schema, node)`, then `generate_alias_name(config.alias, node)`,
 * each result stripped. A project that overrides none of them (nor their `<adapter>__` /
 * `default__` implementations) gets dbt's defaults without rendering anything.
 */
import { buildDbtContext } from './jinja/dbtContext.js';
import { RenderState } from './jinja/renderState.js';
import type { ParseInput } from './parseRender.js';
import { nodeRelation } from './relationName.js';
import type { Relation } from './types.js';

/** What the naming macros see of a node (dbt passes the parsed node as `node`). */
export interface NamedNode {
  readonly uniqueId: string;
  readonly name: string;
  readonly resourceType: string;
  readonly packageName: string;
  readonly originalFilePath: string;
  readonly path: string;
  readonly fqn: readonly string[];
}

/** The project-wide names the macros are rendered with: those of a parse render. */
export type NamingScope = Pick<ParseInput, 'renderer' | 'projectName' | 'profileName' | 'target' | 'vars' | 'env'>;

/** Names a node's relation from its final config. Throws CompileError when a naming macro fails. */
export type RelationNamer = (node: NamedNode, config: Readonly<Record<string, unknown>>) => Relation;

const COMPONENTS = ['database', 'schema', 'alias'] as const;
type Component = (typeof COMPONENTS)[number];

/** Whether the project (not dbt's built-ins) defines the naming macro of `component` or one it dispatches to. */
function overridden(scope: NamingScope, component: Component): boolean {
  const name = `generate_${component}_name`;
  return [name, `${scope.target.type}__${name}`, `default__${name}`].some((n) => {
    const def = scope.renderer.macros.get(n);
    return def !== undefined && def.packageName !== 'dbt';
  });
}

/** The relation namer of a project: dbt's defaults, or its own `generate_*_name` macros where it has them. */
export function relationNamer(scope: NamingScope): RelationNamer {
  const custom = COMPONENTS.filter((c) => overridden(scope, c));
  if (custom.length === 0) return (node, config) => nodeRelation(node.name, config, scope.target);
  return (node, config) => {
    const rel = { ...nodeRelation(node.name, config, scope.target) };
    // dbt's parsed node, as the macros see it: database/schema/alias start at the target's and
    // the name, and each is updated before the next macro runs
    const jinjaNode: Record<string, unknown> = {
      unique_id: node.uniqueId, name: node.name, resource_type: node.resourceType, package_name: node.packageName,
      original_file_path: node.originalFilePath, path: node.path, fqn: [...node.fqn], config: { ...config },
      tags: config.tags ?? [], meta: config.meta ?? {}, version: null,
      database: scope.target.database, schema: scope.target.schema, alias: node.name, identifier: node.name,
    };
    for (const component of COMPONENTS) {
      if (custom.includes(component)) {
        const value = config[component];
        const given = typeof value === 'string' ? value : null;
        const rendered = render(scope, node, `{{ generate_${component}_name(__stratum_custom_name, __stratum_node) }}`, { __stratum_custom_name: given, __stratum_node: jinjaNode }).trim();
        if (component === 'database') rel.database = rendered;
        else if (component === 'schema') rel.schema = rendered;
        else rel.identifier = rendered;
      }
      jinjaNode.database = rel.database;
      jinjaNode.schema = rel.schema;
      jinjaNode.alias = jinjaNode.identifier = rel.identifier;
    }
    return rel;
  };
}

function render(scope: NamingScope, node: NamedNode, source: string, extra: Record<string, unknown>): string {
  const state = new RenderState();
  const names = buildDbtContext(
    {
      mode: 'parse', projectName: scope.projectName, ...(scope.profileName !== undefined ? { profileName: scope.profileName } : {}),
      target: scope.target, vars: scope.vars, env: scope.env, file: node.originalFilePath, config: {},
      isIncremental: false, fullRefresh: false, canQuery: false, invocationId: 'parse', extra,
    },
    state,
    scope.target.type,
  );
  return scope.renderer.renderOnce(source, node.originalFilePath, names, state);
}
