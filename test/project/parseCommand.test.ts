import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli.js';
import { onDuckDBFile, tempProject } from './helpers.js';

describe('stratum parse (dbt parse)', () => {
  it('writes target/manifest.json without opening the warehouse, printing what templates log and the Found line', async () => {
    const { dir: d, db, at } = onDuckDBFile({
      'models/a.sql': "{{ log('parsing a', info=True) }}select 1 as x\n",
      'models/b.sql': "select * from {{ ref('a') }}\n",
    });
    const r = await cli('parse', ...at);
    expect(r.code).toBe(0);
    expect(r.out.replace(/^\d\d:\d\d:\d\d {2}/gm, '').split('\n').slice(0, 2)).toEqual(['parsing a', 'Found 2 models']);
    const manifest = JSON.parse(readFileSync(join(d, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { depends_on: { nodes: string[] } }>; parent_map: Record<string, string[]> };
    expect(Object.keys(manifest.nodes).sort()).toEqual(['model.demo.a', 'model.demo.b']);
    expect(manifest.parent_map['model.demo.b']).toEqual(['model.demo.a']);
    expect(existsSync(db)).toBe(false);
    const j = await cli('parse', ...at, '--json');
    expect(JSON.parse(j.out)).toMatchObject({ nodes: { model: 2 } });
  });

  it('an error in a template is one line naming its file and line, exit 2, and no manifest', async () => {
    const d = tempProject({ 'models/a.sql': 'select 1\n{{ ref( }}\n' });
    const r = await cli('parse', '--project-dir', d, '--profiles-dir', d);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^Error: models\/a\.sql:2/);
    expect(existsSync(join(d, 'target/manifest.json'))).toBe(false);
  });
});
