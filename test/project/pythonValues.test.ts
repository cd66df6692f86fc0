/**
 * Edge cases of the Python values Stratum prints, computes and reads as dbt does: str/repr of
 * floats and strings, datetime, float arithmetic in templates, and PyYAML's scalars. Every expected
 * value below is what CPython 3.11 / Jinja2 3.1 / PyYAML 6.0 produce for the same input.
 */
import { describe, expect, it } from 'vitest';
import { compileNode } from '../../src/project/compile.js';
import { loadProject } from '../../src/project/load.js';
import { pyFloatRepr, pyNumber, pyRepr, pyStr, PyTuple } from '../../src/project/pythonRepr.js';
import { parseDbtYaml } from '../../src/project/yamlFile.js';
import { parseVarsFlag } from '../../src/cli/projectOptions.js';
import { tempProject } from './helpers.js';

/** Compiles a one-model project whose model is `model` and returns its SQL. */
async function sql(model: string, files: Record<string, string> = {}): Promise<string> {
  const project = loadProject({ projectDir: tempProject({ 'models/m.sql': model, ...files }), env: {} });
  return (await compileNode(project, project.nodes.get('model.demo.m')!, {})).compiledCode.trim();
}

describe("Python's repr of floats, strings, tuples and big integers", () => {
  it('prints -0.0, -inf and nan as CPython does', () => {
    expect([-0, -Infinity, Infinity, NaN].map(pyFloatRepr)).toEqual(['-0.0', '-inf', 'inf', 'nan']);
  });

  it("escapes \\r, \\t and the characters CPython's repr does not print", () => {
    // repr('a\rb\tc'), repr('\x85'), repr('\xa0'), repr('\U000e0001'), repr('\u200b')
    expect(pyRepr('a\rb\tc')).toBe("'a\\rb\\tc'");
    expect(['\x85', '\xa0', '\u{e0001}', '\u200b'].map(pyRepr)).toEqual(["'\\x85'", "'\\xa0'", "'\\U000e0001'", "'\\u200b'"]);
  });

  it('prints a 1-tuple with its comma', () => {
    expect(pyRepr(PyTuple.from([1]))).toBe('(1,)');
    expect(pyRepr(PyTuple.from(['a', 2]))).toBe("('a', 2)");
  });

  it('prints a YAML integer past 1e21 in digits', () => {
    expect(pyNumber(1e21)).toBe('1000000000000000000000');
    expect(pyStr((parseDbtYaml('k: 1000000000000000000000') as { k: number }).k)).toBe('1000000000000000000000');
  });
});

describe('modules.datetime edge cases, as CPython prints them', () => {
  it('strftime %I/%p at midnight and noon, %y, %c and %x', async () => {
    const out = await sql(`{% set dt = modules.datetime %}{{ dt.datetime(2024,1,1,0,5).strftime('%I %p') }}|{{ dt.datetime(2024,1,1,12,5).strftime('%I %p') }}|{{ dt.date(2005,1,1).strftime('%y') }}|{{ dt.datetime(2024,1,5,3,4,5).strftime('%c|%x') }}`);
    expect(out).toBe('12 AM|12 PM|05|Fri Jan  5 03:04:05 2024|01/05/24');
  });

  it('strptime: the %y pivot, %I with %p, %f as a fraction', async () => {
    const out = await sql(`{% set p = modules.datetime.datetime.strptime %}{{ p('69', '%y') }}|{{ p('68', '%y') }}|{{ p('12:30 PM', '%I:%M %p') }}|{{ p('12:30 AM', '%I:%M %p') }}|{{ p('01 PM', '%I %p') }}|{{ p('10:11:12.5', '%H:%M:%S.%f') }}`);
    expect(out).toBe('1969-01-01 00:00:00|2068-01-01 00:00:00|1900-01-01 12:30:00|1900-01-01 00:30:00|1900-01-01 13:00:00|1900-01-01 10:11:12.500000');
  });

  it('fromisoformat with an offset, positional timedelta, timedelta - timedelta, fromtimestamp in UTC, date()', async () => {
    const out = await sql(`{% set dt = modules.datetime %}{{ dt.datetime.fromisoformat('2024-01-05T10:11:12+00:00') }}|{{ dt.timedelta(1, 2) }}|{{ dt.timedelta(1, 2, 3) }}|{{ dt.timedelta(days=3) - dt.timedelta(days=1) }}|{{ dt.datetime.fromtimestamp(86400.5, modules.pytz.utc) }}|{{ dt.datetime(2024,3,1,22,5).date() == dt.date(2024,3,1) }}`);
    expect(out).toBe('2024-01-05 10:11:12+00:00|1 day, 0:00:02|1 day, 0:00:02.000003|2 days, 0:00:00|1970-01-02 00:00:00.500000+00:00|True');
  });

  it('refuses the values CPython refuses', async () => {
    // ValueError: day is out of range for month / second must be in 0..59 / Invalid isoformat string
    await expect(sql('{{ modules.datetime.date(2023, 2, 29) }}')).rejects.toThrow(/ValueError: day is out of range for month/);
    await expect(sql('{{ modules.datetime.datetime(2024, 1, 1, 0, 0, 60) }}')).rejects.toThrow(/second must be in 0\.\.59/);
    await expect(sql("{{ modules.datetime.date.fromisoformat('2024-01-05T10:00') }}")).rejects.toThrow(/Invalid isoformat string/);
  });
});

describe('float arithmetic in templates, as Jinja2 renders it', () => {
  it('an int operand with a float gives a float, on either side', async () => {
    const out = await sql("{{ 3 * 2.0 }} {{ 7 // 2.0 }} {{ 1 ** -1 }} {{ 1 + 2.0 }} {{ 3.0 - 1 }} {{ 3 - 1.0 }} {{ -(2.0) }} {{ +1.0 }}");
    expect(out).toBe('6.0 3.0 1.0 3.0 2.0 2.0 -2.0 1.0');
  });

  it('== does not equal a string and a number, lists of other lengths or dicts with other keys', async () => {
    expect(await sql("{{ '1' == 1 }} {{ 1 == '1' }} {{ [1, 2] == [1, 2, 3] }} {{ {'a': 1} == {'a': 1, 'b': 2} }}")).toBe('False False False False');
  });

  it('the float, int and round filters', async () => {
    const out = await sql("{{ 'abc' | float }} {{ 'abc' | float(1.5) }} {{ 2.7 | int }} {{ (-2.7) | int }} {{ 2.1 | round(0, 'ceil') }} {{ 3 | round(0, 'floor') }}");
    expect(out).toBe('0.0 1.5 2 -2 3.0 3.0');
  });

  it('a YAML float is a float to `is float`', async () => {
    const project = 'name: demo\nprofile: demo\nconfig-version: 2\nvars:\n  x: 1.5\n  n: 2\n';
    expect(await sql("{{ var('x') is float }} {{ var('n') is float }}", { 'dbt_project.yml': project })).toBe('True False');
  });

  it('dividing by zero is a ZeroDivisionError', async () => {
    await expect(sql('{{ 1 / 0 }}')).rejects.toThrow(/ZeroDivisionError: division by zero/);
    await expect(sql('{{ 1 // 0 }}')).rejects.toThrow(/ZeroDivisionError/);
    await expect(sql('{{ 1 % 0 }}')).rejects.toThrow(/ZeroDivisionError: integer modulo by zero/);
  });

  it("round with digits decides on the float's exact value, as CPython's round", async () => {
    // 0.15 is 0.1499999..., 2.675 is 2.67499..., 0.0005 is 0.000500000000000000010...; 0.125 is an exact half
    expect(await sql('{{ 0.15 | round(1) }} {{ 2.675 | round(2) }} {{ 0.0005 | round(3) }} {{ 0.35 | round(1) }} {{ 0.125 | round(2) }} {{ 0.375 | round(2) }} {{ -2.675 | round(2) }} {{ 1234.5678 | round(3) }}'))
      .toBe('0.1 2.67 0.001 0.3 0.12 0.38 -2.67 1234.568');
  });

  it("the float filter reads inf and nan, and `in` a list compares as ==", async () => {
    expect(await sql("{{ 'inf' | float }} {{ '-Infinity' | float }} {{ 'nan' | float }} {{ 1.0 in [1] }} {{ [1, 2] in [[1, 2]] }} {{ 'b' in 'abc' }} {{ 'k' in {'k': 1} }} {{ '1' in [1] }}"))
      .toBe('inf -inf nan True True True True False');
  });
});

describe("number and tuple literals, as Jinja2's lexer and parser read them", () => {
  it('an exponent makes a float, _ separates digits, 0x / 0o / 0b prefix an int', async () => {
    // Jinja2 3.1: nunjucks read 1e3 as an unknown name (printing nothing) and 1.5e2 as a syntax error
    expect(await sql('{{ 1e3 }} {{ 1.5e2 }} {{ 1E-2 }} {{ 1.0e+3 }} {{ 2e-3 + 1 }} {{ 1e400 }} {{ 1_000 }} {{ 1_0.5 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1e3 is float }} {{ 10 }} {{ 3.25 }}'))
      .toBe('1000.0 150.0 0.01 1000.0 1.002 inf 1000 10.5 31 15 5 True 10 3.25');
  });

  it('(1,) and () are tuples, a trailing comma is allowed, and x.0 is an item', async () => {
    expect(await sql(`{% set x = ['a', 'b'] %}{{ (1,) }} {{ () }} {{ ((1, 2),) }} {{ (1) }} {{ [1, 2,] }} {{ {'a': 1.0,} }} {{ (1,) | length }} {% for a in ('x',) %}{{ a }}{% endfor %} {{ x.0 }} {{ x.1.upper() }} {{ x[::-1] }}`))
      .toBe("(1,) () ((1, 2),) 1 [1, 2] {'a': 1.0} 1 x a B ['b', 'a']");
  });
});

describe('tojson and braces, as dbt 1.10 renders them', () => {
  it("tojson is Python's json.dumps (', ' and ': ', ASCII, sort_keys); the tojson filter is Jinja2's (sorted keys, HTML characters escaped)", async () => {
    // dbt compile of the same template
    expect(await sql(`{{ tojson({'b': 1, 'a': "<x>&'y"}) }}|{{ {'b': 1, 'a': "<x>&'y"} | tojson }}|{{ tojson({'a': 1, 'b': [1, 2.0, 'x', none, true], 'c': {}}) }}|{{ tojson([1.5, 'é']) }}|{{ tojson({'b': 1, 'a': 2}, sort_keys=true) }}`))
      .toBe('{"b": 1, "a": "<x>&\'y"}|{"a": "\\u003cx\\u003e\\u0026\\u0027y", "b": 1}|{"a": 1, "b": [1, 2.0, "x", null, true], "c": {}}|[1.5, "\\u00e9"]|{"a": 2, "b": 1}');
  });

  it('an unclosed ( or { at the end of a template is an error naming its line', async () => {
    await expect(sql('select 1\n{{ (1')).rejects.toThrow(/m\.sql:2.*the \( opened here is not closed/);
    await expect(sql('{{ {')).rejects.toThrow(/m\.sql:1.*the \{ opened here is not closed/);
  });

  it('a } closing an open { is a brace where }} follows', async () => {
    expect(await sql("{{ {'a': {}} }}|{{ [{'k': {'n': 1}}] }}|{% set d = {'x': {}} %}{{ d }}")).toBe("{'a': {}}|[{'k': {'n': 1}}]|{'x': {}}");
  });
});

describe('floats from YAML that reach templates', () => {
  it("project vars, --vars and fromyaml keep a float's .0, as dbt 1.10 compiles them", async () => {
    // dbt compile --vars '{g: 2.0}' of this project printed: select 1.0, 2.0, 2.5, 3, 3.0, True, (1.0, 2.0)
    const project = 'name: demo\nprofile: demo\nconfig-version: 2\nvars:\n  f: 1.0\n  h: 2.50\n  i: 3\n';
    const model = "select {{ var('f') }}, {{ var('g') }}, {{ var('h') }}, {{ var('i') }}, {{ fromyaml('x: 3.0')['x'] }}, {{ var('f') is float }}, {{ (var('f'), var('g')) }}";
    const dir = tempProject({ 'models/m.sql': model, 'dbt_project.yml': project });
    const p = loadProject({ projectDir: dir, env: {}, vars: parseVarsFlag('compile', '{g: 2.0}') });
    expect((await compileNode(p, p.nodes.get('model.demo.m')!, {})).compiledCode.trim()).toBe('select 1.0, 2.0, 2.5, 3, 3.0, True, (1.0, 2.0)');
  });

  it('a float var set in a config is a number there', async () => {
    const project = 'name: demo\nprofile: demo\nconfig-version: 2\nvars:\n  f: 1.0\n';
    const dir = tempProject({ 'models/m.sql': "{{ config(meta={'f': var('f')}) }}select 1", 'dbt_project.yml': project });
    const p = loadProject({ projectDir: dir, env: {} });
    const c = await compileNode(p, p.nodes.get('model.demo.m')!, {});
    expect(c.config.meta).toEqual({ f: 1 });
  });
});

describe("PyYAML's scalars", () => {
  it('reads ints, floats, booleans and nulls as yaml.safe_load does', () => {
    const doc = `zero: 0
negzero: -0
bin: 0b101
hex: 0x1F
neg: -12
negoct: -012
under: 1_000
inf: .inf
ninf: -.Inf
sexneg: -1:30
y: y
n: n
notsex: 1:75
e: 1.5e3
nul: ~
Nul: NULL
empty:
`;
    expect(parseDbtYaml(doc)).toEqual({ zero: 0, negzero: 0, bin: 5, hex: 31, neg: -12, negoct: -10, under: 1000, inf: Infinity, ninf: -Infinity, sexneg: -90, y: 'y', n: 'n', notsex: '1:75', e: '1.5e3', nul: null, Nul: null, empty: null });
  });

  it('reads a sexagesimal float', () => {
    // yaml.safe_load('k: 190:20:30.15') is {'k': 685230.15}
    expect(pyStr((parseDbtYaml('k: 190:20:30.15') as { k: number }).k)).toBe('685230.15');
  });
});
