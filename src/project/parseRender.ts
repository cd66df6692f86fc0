/**
 * dbt's parse phase for one node: render the template with `execute` false, `ref`/`source`
 * recording what they are called with (and returning placeholder relations), and `config(...)`
 * calls collected. The recorded refs become the DAG's edges; the config calls the node's
 * highest-precedence config layer.
 */
import { mergeConfig } from './configMerge.js';
import { buildDbtContext } from './jinja/dbtContext.js';
import { JinjaRelation } from './jinja/relationObject.js';
import type { JinjaRenderer } from './jinja/renderer.js';
import { RenderState } from './jinja/renderState.js';
import type { ProfileTarget, Relation, TemplateLog } from './types.js';

/** What a parse render found. */
export interface ParseResult {
  /** Merged `config(...)` calls made by the template. */
  readonly inFileConfig: Record<string, unknown>;
  readonly refs: string[][];
  readonly sources: [string, string][];
  /** Unique ids of macros called directly. */
  readonly macros: string[];
  /** What the template printed (log with info=True, print, exceptions.warn). */
  readonly logs: readonly TemplateLog[];
}

/** Inputs of a parse render. */
export interface ParseInput {
  readonly renderer: JinjaRenderer;
  readonly projectName: string;
  /** The profile dbt_project.yml names (`target.profile_name`). */
  readonly profileName?: string;
  readonly target: ProfileTarget;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly node: { readonly uniqueId: string; readonly name: string; readonly resourceType: string; readonly originalFilePath: string };
  /** The config known before rendering (project and yml layers), visible to `config.get`. */
  readonly baseConfig: Record<string, unknown>;
  readonly thisRelation?: Relation;
  readonly source: string;
  /** The file reported in errors. */
  readonly file: string;
  readonly extra?: Record<string, unknown>;
  /** `--warn-error`: `exceptions.warn()` raises. */
  readonly warnError?: boolean;
}

/** Renders a node in parse mode. Throws CompileError (file:line) on a template error. */
export function parseRender(input: ParseInput): ParseResult {
  const refs: string[][] = [];
  const sources: [string, string][] = [];
  let inFile: Record<string, unknown> = {};
  const config = { ...input.baseConfig };
  const dialect = input.target.type;
  const placeholder = (identifier: string): JinjaRelation =>
    new JinjaRelation({ database: input.target.database, schema: input.target.schema, identifier }, dialect);
  const state = new RenderState();
  const names = buildDbtContext(
    {
      mode: 'parse',
      projectName: input.projectName,
      ...(input.profileName !== undefined ? { profileName: input.profileName } : {}),
      target: input.target,
      vars: input.vars,
      env: input.env,
      file: input.file,
      node: input.node,
      config,
      ...(input.thisRelation ? { thisRelation: input.thisRelation } : {}),
      ref: (args) => {
        refs.push(args);
        return placeholder(args[args.length - 1] ?? '');
      },
      source: (s, t) => {
        sources.push([s, t]);
        return placeholder(t);
      },
      applyConfig: (kw) => {
        inFile = mergeConfig(inFile, kw);
        Object.assign(config, mergeConfig(config, kw));
      },
      isIncremental: false,
      fullRefresh: false,
      canQuery: false,
      invocationId: 'parse',
      ...(input.extra ? { extra: input.extra } : {}),
      ...(input.warnError ? { warnError: true } : {}),
    },
    state,
    dialect,
  );
  input.renderer.renderOnce(input.source, input.file, names, state);
  return { inFileConfig: inFile, refs, sources, macros: [...state.calledMacros], logs: state.logs };
}
