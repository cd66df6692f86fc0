/**
 * The fixture under real dbt: `dbt parse` must accept it, and its manifest must agree with
 * Stratum's on node ids' names, aliases, configs that matter and dependencies. Skipped (with the
 * reason printed) when dbt is not installed; CI installs dbt-core and dbt-duckdb.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileNode } from '../../src/project/compile.js';
import { loadProject } from '../../src/project/load.js';
import { FIXTURE } from './helpers.js';
import { tempDir } from '../tempDir.js';
import { dbtEnv, hasDbt, warnIfNoDbt } from '../twoEngines.js';

interface DbtNode {
  name: string;
  alias?: string;
  resource_type: string;
  config: Record<string, unknown>;
  depends_on?: { nodes: string[] };
  compiled_code?: string;
  test_metadata?: { name: string; kwargs: Record<string, unknown> };
}

warnIfNoDbt('dbt compile parity');

describe('the fixture under dbt-core + dbt-duckdb', () => {
  it.skipIf(!hasDbt)('dbt compile agrees with Stratum on names, configs, dependencies and compiled SQL', async () => {
    const targetPath = tempDir('stratum-dbt-');
    const env = dbtEnv({ DBT_LOG_PATH: targetPath, JAFFLE_DUCKDB_PATH: join(targetPath, 'jaffle.duckdb') });
    // compile needs no data for views/tables that are not incremental; is_incremental() is false on an empty database.
    const r = spawnSync('dbt', ['compile', '--project-dir', FIXTURE, '--profiles-dir', FIXTURE, '--target-path', targetPath, '--no-partial-parse', '--quiet'], { encoding: 'utf8', env });
    expect(r.stderr + r.stdout, 'dbt compile failed').not.toMatch(/Error|error:/);
    expect(r.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(targetPath, 'manifest.json'), 'utf8')) as { nodes: Record<string, DbtNode>; parent_map: Record<string, string[]> };
    const project = loadProject({ projectDir: FIXTURE, env: { JAFFLE_DUCKDB_PATH: join(targetPath, 'jaffle.duckdb') } });
    const theirs = new Map(Object.values(manifest.nodes).map((n) => [`${n.resource_type}:${n.name}`, n]));
    const ours = [...project.nodes.values()].filter((n) => n.resourceType !== 'source');
    expect(ours).toHaveLength(30);
    expect(ours.map((n) => `${n.resourceType}:${n.name}`).sort()).toEqual([...theirs.keys()].sort());
    const normalize = (s: string) => s.replace(/\s+/g, ' ').trim();
    for (const n of ours) {
      const t = theirs.get(`${n.resourceType}:${n.name}`) as DbtNode;
      expect(n.relation.identifier, n.uniqueId).toBe(t.alias);
      expect(n.config.materialized, n.uniqueId).toBe(t.config.materialized);
      expect(n.config.tags, n.uniqueId).toEqual(t.config.tags);
      if (n.resourceType === 'test') expect(String(n.config.severity).toLowerCase(), n.uniqueId).toBe(String(t.config.severity).toLowerCase());
      if (n.resourceType === 'model') expect(n.config.incremental_strategy ?? null, n.uniqueId).toBe(t.config.incremental_strategy ?? null);
      const names = (ids: readonly string[]) => ids.map((id) => id.split('.').slice(0, 3).join('.')).sort();
      expect(names(n.dependsOn.nodes), n.uniqueId).toEqual(names(t.depends_on?.nodes ?? []));
      if (n.resourceType === 'model' || n.resourceType === 'test') {
        const c = await compileNode(project, n, {});
        expect(normalize(c.compiledCode), n.uniqueId).toBe(normalize(t.compiled_code ?? ''));
      }
    }
  });
});
