/** rules.yaml validation, the generate CLI's exit codes, and the seeds' agreement with the generator. */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, CHANNELS, COUNTRIES, CURRENCIES, minorDigits, PLAN_CURRENCIES, PLAN_TIERS, planId } from '../../generator/catalog.js';
import { fxRatesCsv } from '../../generator/fxSeed.js';
import { loadRules, withFormats } from '../../generator/rules.js';
import { loadFxRates } from '../../generator/worldTables.js';
import type { TruthManifest } from '../../generator/lakeManifest.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { duck, rows } from './fixture.js';
import { tempDir } from '../tempDir.js';

const dir = tempDir('stratum-rules-');
function rulesFile(text: string): string {
  const f = join(dir, `r${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, text);
  return f;
}
function errorOf(text: string): string {
  try {
    loadRules(rulesFile(text));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('rules validation', () => {
  it('loads the built-in rules and lays a partial file over them', () => {
    const r = loadRules(rulesFile('defects:\n  duplicate: 0.2\n'));
    expect(r.defects.duplicate).toBe(0.2);
    expect(r.defects.late_arrival).toBe(0.04);
    expect(r.formats['shop/orders']).toBe('parquet');
  });

  it('takes an empty rules file, or one of comments only, as no change', () => {
    for (const text of ['', '# nothing here yet\n', '---\n']) expect(loadRules(rulesFile(text))).toEqual(loadRules());
    // a document that is not a mapping is still an error
    expect(errorOf('- a\n- b\n')).toMatch(/\.yaml:1: the rules must be a mapping of keys$/);
  });

  it('reads an alias as the value of its anchor, and names a bad one at the alias', () => {
    const r = loadRules(rulesFile('defects:\n  duplicate: &rare 0.002\n  orphan_fk: *rare\narrival: &lag\n  max_lag_days: 3\n'));
    expect([r.defects.duplicate, r.defects.orphan_fk, r.arrival.max_lag_days]).toEqual([0.002, 0.002, 3]);
    expect(errorOf('defects:\n  duplicate: &n 0.5\n  malformed: *n\nskew:\n  zipf_exponent: *n\n')).toMatch(/:5 \(skew\.zipf_exponent\): skew\.zipf_exponent must be a number between 1 and 20, got 0\.5$/);
    // a section may be an alias of another's mapping: its keys are checked against the section's
    expect(errorOf('defects: &d\n  duplicate: 0.5\narrival: *d\n')).toMatch(/:2 \(arrival\.duplicate\): unknown key 'arrival\.duplicate'$/);
  });

  it('merges a mapping in with `<<`, its own keys winning, and names a bad merged key at its own line', () => {
    // the first merge source that has a key wins over a later one; a key of the section's own over both
    const r = loadRules(rulesFile('defects: &d\n  duplicate: 0.002\n  orphan_fk: 0.003\ncompany:\n  <<: [{trial_days: 20, monthly_churn: 0.03}, {trial_days: 9, upgrade_rate: 0.1}]\n  monthly_churn: 0.04\n'));
    expect([r.company.trial_days, r.company.monthly_churn, r.company.upgrade_rate, r.defects.duplicate]).toEqual([20, 0.04, 0.1, 0.002]);
    const formats = loadRules(rulesFile('formats:\n  <<: {shop/orders: csv, product/events: parquet}\n  product/events: csv\n')).formats;
    expect([formats['shop/orders'], formats['product/events']]).toEqual(['csv', 'csv']);
    expect(errorOf('defects:\n  <<: &base\n    duplicate: 0.01\n    weather: 0.1\n')).toMatch(/:4 \(defects\.weather\): unknown key 'defects\.weather'$/);
    expect(errorOf('defects: &d\n  duplicate: 0.01\n  malformed: 0.2\nvolume:\n  orders_per_day: 5\ndrift:\n  <<: *d\n')).toMatch(/:2 \(drift\.duplicate\): unknown key 'drift\.duplicate'$/);
    expect(errorOf('company:\n  trial_days: 3\nskew:\n  <<: {hot_day_multiplier: 0.5}\n')).toMatch(/:4 \(skew\.hot_day_multiplier\): skew\.hot_day_multiplier must be a number between 1 and 100, got 0\.5$/);
    // what cannot be merged is one line at the merge key
    expect(errorOf('company:\n  <<: 3\n')).toMatch(/\.yaml:2:3: invalid YAML: a merge key << takes a mapping, an alias of one, or a list of them; got a scalar$/);
    expect(errorOf('company:\n  <<: [{trial_days: 3}, 4]\n')).toMatch(/:2:3: invalid YAML: .*; got a scalar$/);
    // a merged alias with no anchor is named as any such alias, not the yaml package's stack
    expect(errorOf('company:\n  <<: *base\n')).toMatch(/\.yaml:2:7: invalid YAML: alias \*base has no anchor &base before it$/);
    expect(errorOf('company:\n  <<: [{trial_days: 3}, *base]\n')).toMatch(/\.yaml:2:25: invalid YAML: alias \*base has no anchor &base before it$/);
  });

  it('names the line and key of an unknown key', () => {
    expect(errorOf('seed: 1\ndefects:\n  lat_arrival: 0.1\n')).toMatch(/r\w+\.yaml:3 \(defects\.lat_arrival\): unknown key 'defects\.lat_arrival'; did you mean 'defects\.late_arrival'\?$/);
    // at the top level too, and no guess when nothing is close
    expect(errorOf('sede: 1\n')).toMatch(/:1 \(sede\): unknown key 'sede'; did you mean 'seed'\?$/);
    expect(errorOf('defects:\n  weather: 0.1\n')).toMatch(/:2 \(defects\.weather\): unknown key 'defects\.weather'$/);
  });

  it('names the line and key of a wrong type or an out-of-range rate', () => {
    expect(errorOf('volume:\n  orders_per_day: lots\n')).toMatch(/:2 \(volume\.orders_per_day\): volume\.orders_per_day must be an integer/);
    expect(errorOf('defects:\n  duplicate: 0.1\n  malformed: 1.5\n')).toMatch(/:3 \(defects\.malformed\): defects\.malformed must be a rate between 0 and 1, got 1\.5/);
    expect(errorOf('drift:\n  orders_column_added: 2024-02-31\n')).toMatch(/:2 .*must be a date/);
    expect(errorOf('formats:\n  shop/orders: xml\n')).toMatch(/must be one of csv, parquet, jsonl/);
  });

  it('checks both ends and the type of every kind of value', () => {
    const rateError = (v: string) => errorOf(`defects:\n  duplicate: ${v}\n`);
    for (const v of ['-0.1', '1.01', 'true', '"0.5"', '[0.1]', '']) {
      expect(rateError(v), v).toMatch(new RegExp(`:2 \\(defects\\.duplicate\\): defects\\.duplicate must be a rate between 0 and 1, got ${v === '' ? 'nothing' : v.replace(/[.[\]]/g, '\\$&')}$`));
    }
    for (const v of ['0', '1', '0.25']) expect(loadRules(rulesFile(`defects:\n  duplicate: ${v}\n`)).defects.duplicate).toBe(Number(v));
    // integers: a fraction, and either bound
    expect(errorOf('arrival:\n  max_lag_days: 2.5\n')).toMatch(/:2 \(arrival\.max_lag_days\): arrival\.max_lag_days must be an integer between 1 and 30, got 2\.5$/);
    expect(errorOf('arrival:\n  max_lag_days: 0\n')).toMatch(/must be an integer between 1 and 30, got 0$/);
    expect(errorOf('volume:\n  orders_per_day: 10000001\n')).toMatch(/:2 \(volume\.orders_per_day\): .* between 0 and 10000000, got 10000001$/);
    expect(errorOf('volume:\n  orders_per_day: -1\n')).toMatch(/between 0 and 10000000, got -1$/);
    expect(loadRules(rulesFile('arrival:\n  max_lag_days: 30\n')).arrival.max_lag_days).toBe(30);
    // numbers: either bound, and a string
    expect(errorOf('skew:\n  zipf_exponent: 0.5\n')).toMatch(/:2 \(skew\.zipf_exponent\): skew\.zipf_exponent must be a number between 1 and 20, got 0\.5$/);
    expect(errorOf('skew:\n  zipf_exponent: 20.5\n')).toMatch(/must be a number between 1 and 20, got 20\.5$/);
    expect(errorOf('skew:\n  weekend_factor: "low"\n')).toMatch(/:2 \(skew\.weekend_factor\): .* must be a number between 0 and 10, got "low"$/);
    expect(loadRules(rulesFile('skew:\n  zipf_exponent: 1\n')).skew.zipf_exponent).toBe(1);
  });

  it('quotes a rejected value as the file writes it', () => {
    expect(errorOf('skew:\n  zipf_exponent: .nan\n')).toMatch(/:2 \(skew\.zipf_exponent\): skew\.zipf_exponent must be a number between 1 and 20, got \.nan$/);
    expect(errorOf('skew:\n  zipf_exponent: 1e400\n')).toMatch(/must be a number between 1 and 20, got 1e400$/);
    expect(errorOf('volume:\n  orders_per_day: "12"\n')).toMatch(/must be an integer between 0 and 10000000, got "12"$/);
    expect(errorOf('volume:\n  orders_per_day:\n')).toMatch(/must be an integer between 0 and 10000000, got nothing$/);
  });

  it('rejects dates before company.founded at the key set last', () => {
    expect(errorOf('seed: 1\ndates:\n  default_end: 2023-12-31\n')).toMatch(/r\w+\.yaml:3 \(dates\.default_end\): dates\.default_end 2023-12-31 is before company\.founded 2024-01-01$/);
    expect(errorOf('skew:\n  hot_day: 2023-12-24\n')).toMatch(/:2 \(skew\.hot_day\): skew\.hot_day 2023-12-24 is before company\.founded 2024-01-01$/);
    expect(errorOf('company:\n  founded: 2024-02-01\nskew:\n  hot_day: 2024-02-14\ndrift:\n  orders_column_added: 2024-01-15\n'))
      .toMatch(/:6 \(drift\.orders_column_added\): drift\.orders_column_added 2024-01-15 is before company\.founded 2024-02-01$/);
    // founded moved past a date of the built-in rules: the error is at founded, naming the other line
    expect(errorOf('company:\n  founded: 2024-03-01\n')).toMatch(/:2 \(company\.founded\): company\.founded 2024-03-01 is after skew\.hot_day 2024-02-14 \(.*generator\/rules\.yaml:\d+\)$/);
    expect(loadRules(rulesFile('company:\n  founded: 2024-02-01\nskew:\n  hot_day: 2024-02-01\ndrift:\n  orders_column_added: 2024-02-01\ndates:\n  default_days: 60\n')).company.founded).toBe(19754);
  });

  it('rejects a default range outside the founding and the fx seed, at the key the file set', () => {
    // the world's first orders need the exchange rate of their day
    expect(errorOf('company:\n  founded: 2022-12-01\n')).toMatch(/:2 \(company\.founded\): company\.founded 2022-12-01 is before 2023-01-01, the first day of seeds\/fx_rates\.csv /);
    expect(errorOf('dates:\n  default_end: 2027-06-30\n')).toMatch(/:2 \(dates\.default_end\): dates\.default_end 2027-06-30 is after 2025-12-31, the last day of seeds\/fx_rates\.csv/);
    expect(errorOf('seed: 3\ndates:\n  default_days: 3000\n')).toMatch(/:3 \(dates\.default_days\): the default range of dates\.default_days 3000 days ending on dates\.default_end 2024-03-31 starts on 2016-01-14, before company\.founded 2024-01-01 \(dates\.default_end at .*generator\/rules\.yaml:\d+, company\.founded at .*generator\/rules\.yaml:\d+\)$/);
    expect(errorOf('dates:\n  default_end: 2024-02-01\n  default_days: 60\n')).toMatch(/:3 \(dates\.default_days\): .* starts on 2023-12-04, before company\.founded 2024-01-01 \(dates\.default_end at \S+:2, /);
    // founding moved later: the error is at founded, the rules' own keys named
    expect(errorOf('company:\n  founded: 2024-01-02\n')).toMatch(/:2 \(company\.founded\): the default range of dates\.default_days 91 days .* starts on 2024-01-01, before company\.founded 2024-01-02 \(dates\.default_days at /);
    expect(loadRules(rulesFile('dates:\n  default_end: 2025-12-31\n')).dates.default_end).toBe(20453);
  });

  it('rejects a key that is a list or a mapping, at its line', () => {
    expect(errorOf('seed: 1\n? [a, b]\n: 1\n')).toMatch(/r\w+\.yaml:2: a key must be a plain name, not a list or mapping: \[a, b\]$/);
    expect(errorOf('skew:\n  ? {zipf_exponent: 2}\n  : 1\n')).toMatch(/:2: a key must be a plain name, not a list or mapping: \{zipf_exponent: 2\}$/);
  });

  it('reports a missing rules file as not found', () => {
    const missing = join(dir, 'missing.yaml');
    expect(() => loadRules(missing)).toThrow(`${missing}: not found (the rules file given with --rules)`);
    expect(() => loadRules(dir)).toThrow(`${dir}: is a folder, not a YAML file (the rules file given with --rules)`);
  });

  it.runIf(existsSync('/dev/zero'))('refuses a rules file that never ends (a device) at 64 MiB, and reads /dev/null as empty', () => {
    // it was read until memory ran out; a pipe or /dev/null is read as a file is
    expect(() => loadRules('/dev/zero')).toThrow('/dev/zero: holds more than 64 MiB, not a YAML file Stratum reads');
    expect(loadRules('/dev/null')).toEqual(loadRules());
  });

  it('reports invalid YAML with its line', () => {
    // an unclosed bracket or quote is named where it opens, not where the parser runs out of it
    expect(errorOf('seed: 1\ndefects: [unclosed\n')).toMatch(/r\w+\.yaml:2:10: invalid YAML: this \[ is not closed: /);
    expect(errorOf('seed: 1\nskew:\n  zipf_exponent: [1, 2\nvolume:\n  orders_per_day: 5\n')).toMatch(/r\w+\.yaml:3:18: invalid YAML: this \[ is not closed: /);
    expect(errorOf("seed: 1\n# don't [\nskew: {zipf_exponent: 2\nvolume: {}\n")).toMatch(/r\w+\.yaml:3:7: invalid YAML: this \{ is not closed: /);
    expect(errorOf('seed: 1\nskew: "abc\nvolume: 1\n')).toMatch(/r\w+\.yaml:2:7: invalid YAML: this " is not closed: /);
    // a duplicate key is named, with its path
    expect(errorOf('seed: 1\nseed: 2\n')).toMatch(/r\w+\.yaml:2:1 \(seed\): invalid YAML: Map keys must be unique$/);
    expect(errorOf('seed: 1\ncompany:\n  founded: 2024-01-01\n  founded: 2024-01-02\n')).toMatch(/r\w+\.yaml:4:3 \(company\.founded\): invalid YAML: Map keys must be unique$/);
  });

  it('validates --formats overrides', () => {
    expect(withFormats(loadRules(), 'shop/orders=csv').formats['shop/orders']).toBe('csv');
    expect(() => withFormats(loadRules(), 'shop/nope=csv')).toThrow(/^--formats: 'shop\/nope' is no source; the sources are crm\/customers, /);
    expect(() => withFormats(loadRules(), 'shop/order=csv')).toThrow("--formats: 'shop/order' is no source; did you mean 'shop/orders'?");
    expect(() => withFormats(loadRules(), 'shop/orders=')).toThrow("--formats: shop/orders needs a format after '=': csv, parquet or jsonl");
    expect(() => withFormats(loadRules(), 'shop/orders=xml')).toThrow(/must be one of/);
    for (const spec of ['', ' ', ',', 'shop/orders=csv,']) expect(() => withFormats(loadRules(), spec), spec).toThrow(`--formats: '${spec}' has an empty entry`);
  });
});

describe('stratum generate exit codes', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/stratum.js', 'generate', ...args], { encoding: 'utf8' });

  it('exits 2 with one line for bad flags, dates, ranges and rules', () => {
    for (const args of [['--bogus'], ['--day', '2024-13-01'], ['--from', '2024-02-01', '--to', '2024-01-01'], ['--from', '2024-01-01'], ['--day', '2024-01-01', '--days', '3'], ['--scale', 'x'], ['--rules', rulesFile('nope: 1\n')], ['--rules', join(dir, 'missing.yaml')], ['--day', '2023-06-01']]) {
      const r = run(...args, '--out', join(dir, 'raw-bad'));
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^Error: /);
    }
    expect(existsSync(join(dir, 'raw-bad'))).toBe(false);
    // a flag whose value is missing (the next argument is a flag); a negative number is a value, as dbt reads `--limit -1`
    for (const args of [['--day', '--quiet'], ['--seed', '--day']]) {
      const r = run(...args, '--out', join(dir, 'raw-bad'));
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([`Error: stratum generate: flag '${args[0]}' needs a value (one starting with a dash is written ${args[0]}=-VALUE) (see stratum generate --help)`]);
    }
    const negative = run('--seed', '-1', '--out', join(dir, 'raw-bad'));
    expect([negative.status, negative.stderr.trim()]).toEqual([2, 'Error: stratum generate: --seed must be between 0 and 2147483647, got -1']);
    // a flag given last with no value at all
    const last = run('--out', join(dir, 'raw-bad'), '--day');
    expect(last.status).toBe(2);
    expect(last.stderr).toBe("Error: stratum generate: flag '--day' needs a value (see stratum generate --help)\n");
    // date and --formats errors name the command and the flag, like every other flag error
    for (const [args, msg] of [[['--day', '2024-02-30'], "Error: stratum generate: --day: '2024-02-30' is not a date (expected YYYY-MM-DD)"],
      [['--formats', 'shop/orders=xml'], "Error: stratum generate: --formats: shop/orders must be one of csv, parquet, jsonl, got 'xml'"],
      [['--formats', 'shop/orders=csv=parquet'], "Error: stratum generate: --formats: 'shop/orders=csv=parquet' must be <source>=<format>"],
      [['--formats', 'shop/orders=csv', '--formats', 'shop/orders=jsonl'], 'Error: stratum generate: --formats: shop/orders is given twice'],
      [['--from', '2024-02-01', '--to', '2024-01-01'], 'Error: stratum generate: --to 2024-01-01 is before --from 2024-02-01\n']] as const) {
      const r = run(...args, '--out', join(dir, 'raw-bad'));
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.startsWith(msg), r.stderr).toBe(true);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    // an output folder that is a file
    const file = rulesFile('not a folder\n');
    const r = run('--day', '2024-03-01', '--out', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`Error: cannot write the lake into ${file}: it is a file, not a folder\n`);
  });

  it('generates a day with --json and --formats overrides, and exits 0', async () => {
    const out = join(dir, 'raw-ok');
    // a repeated --formats adds to the ones before it
    const r = run('--day', '2024-01-05', '--out', out, '--json', '--formats', 'shop/orders=jsonl,product/events=csv', '--formats', 'processor/payments=parquet');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.days).toBe(1);
    expect(summary.bySource['shop/orders'].format).toBe('jsonl');
    const t = JSON.parse(readFileSync(join(out, '_truth/dt=2024-01-05/truth.json'), 'utf8')) as TruthManifest;
    // every record of each overridden source is in its file, in the new format
    const lines = (f: string) => readFileSync(join(out, f), 'utf8').split('\n').filter((l) => l.length > 0);
    const orders = t.sources['shop/orders'];
    expect(orders.files).toEqual(['shop/orders/dt=2024-01-05/part-00000.jsonl']);
    const parsed = lines(orders.files[0]).filter((l) => { try { return typeof JSON.parse(l).order_id === 'string'; } catch { return false; } });
    expect(parsed.length).toBe(orders.rows - orders.defects.malformed!.count);
    const events = t.sources['product/events'];
    expect(events.files).toEqual(['product/events/dt=2024-01-05/part-00000.csv']);
    expect(lines(events.files[0])[0]).toBe('event_id,event_type,occurred_at,anonymous_id,account_id,session_id,properties');
    expect(lines(events.files[0]).length).toBe(1 + events.rows);
    const payments = t.sources['processor/payments'];
    const con = await duck();
    const n = await rows(con, `select count(*) as n from read_parquet('${join(out, payments.files[0])}')`);
    expect(Number(n[0].n)).toBe(payments.rows);
  });

  it('prints help', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--scale N/);
    // wrapped to 80 columns when piped: the flag's description runs on under it
    expect(r.stdout.split('\n').filter((l) => l.length > 80)).toEqual([]);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/ --formats SPEC Write sources in other formats: .*?\(repeatable\) /);
  });

  it('takes the largest and smallest value of a bounded number', () => {
    // --seed is 0 .. 2^31 - 1 and --days 1 .. the days since founding (5, with rules ending on 2024-01-05)
    const early = rulesFile('dates:\n  default_end: 2024-01-05\n  default_days: 5\n');
    for (const args of [['--day', '2024-01-05', '--seed', '2147483647'], ['--day', '2024-01-05', '--seed', '0'], ['--days', '5', '--rules', early], ['--days', '1', '--rules', early]]) {
      const r = run(...args, '--out', join(dir, `raw-bounds-${args.slice(0, 2).join('')}`), '--quiet');
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    for (const args of [['--day', '2024-01-05', '--seed', '2147483648'], ['--days', '6', '--rules', early], ['--days', '0', '--rules', early]]) {
      expect(run(...args, '--out', join(dir, 'raw-bounds-over')).status, args.join(' ')).toBe(2);
    }
  });
});

describe('seeds', () => {
  const csv = (f: string) => readFileSync(join('seeds', f), 'utf8').trim().split('\n').map((l) => l.split(','));

  it('fx_rates.csv is what fxSeed builds, one rate per currency per day over three years', () => {
    expect(readFileSync('seeds/fx_rates.csv', 'utf8')).toBe(fxRatesCsv());
    const rows = csv('fx_rates.csv').slice(1);
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(CURRENCIES));
    expect(rows.length).toBe(CURRENCIES.length * 1096);
  });

  it('currencies.csv has every currency the generator uses, with its ISO 4217 minor unit', () => {
    const rows = csv('currencies.csv');
    expect(rows[0]).toEqual(['currency_code', 'currency_name', 'minor_unit']);
    expect(rows.slice(1).map((r) => r[0])).toEqual([...CURRENCIES]);
    for (const r of rows.slice(1)) expect(Number(r[2]), r[0]).toBe(minorDigits(r[0]));
    expect(minorDigits('JPY')).toBe(0);
  });

  it('a damaged fx_rates.csv stops the generator in one line naming its line, rather than dropping or nulling orders', async () => {
    const con = await duck();
    const good = fxRatesCsv();
    const lines = good.split('\n');
    const at = lines.indexOf(lines.find((l) => l.startsWith('2024-03-30,EUR,'))!) + 1;
    const need = "(the generator prices every order with its day's rate: one positive rate per currency for every day 2023-01-01 .. 2025-12-31)";
    const errorFor = async (text: string) => {
      const f = join(dir, `fx${Math.random().toString(36).slice(2)}.csv`);
      writeFileSync(f, text);
      const e = await loadFxRates(con, f, 'fx.csv').then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(DataError);
      return (e as Error).message;
    };
    const edit = (line: string | undefined) => lines.map((l, i) => (i === at - 1 ? line : l)).filter((l) => l !== undefined).join('\n');
    expect(await errorFor(edit(undefined))).toBe(`fx.csv: no rate for EUR on 2024-03-30 ${need}`);
    expect(await errorFor(edit('2024-03-30,EUR,'))).toBe(`fx.csv:${at}: the rate for EUR on 2024-03-30 is empty ${need}`);
    expect(await errorFor(edit('2024-03-30,EUR,-1.1'))).toBe(`fx.csv:${at}: the rate for EUR on 2024-03-30 is -1.1 ${need}`);
    expect(await errorFor(edit(`${lines[at - 1]}\n${lines[at - 1]}`))).toBe(`fx.csv:${at + 1}: 2 rates for EUR on 2024-03-30 ${need}`);
    expect(await errorFor('rate_date,currency,usd_per_unit\n')).toBe(`fx.csv: no rate for AUD on 2023-01-01 ${need}`);
    expect(await errorFor(edit('2024-03-30,EUR,abc'))).toBe(`fx.csv:${at}: cannot be read as rate_date,currency,usd_per_unit: Conversion Error: CSV Error on Line: ${at} (Original Line: 2024-03-30,EUR,abc)`);
    expect(await errorFor(edit('2024-03-30,EUR,1.09,x'))).toMatch(new RegExp(`^fx\\.csv:${at}: cannot be read as rate_date,currency,usd_per_unit: .*\\(Expected Number of Columns: 3 Found: 4\\)$`));
    // the file as built loads, with a byte order mark too
    writeFileSync(join(dir, 'fx-bom.csv'), `\ufeff${good}`);
    await loadFxRates(con, join(dir, 'fx-bom.csv'));
    expect(await rows(con, 'select count(*)::integer as n from w_fx')).toEqual([{ n: lines.length - 2 }]);
  });

  it('fx_rates.csv moves by a small daily random walk around realistic levels', () => {
    // USD per unit, the range each currency traded in over 2023-2025 (give or take)
    const band: Record<string, [number, number]> = {
      USD: [1, 1], EUR: [1.0, 1.2], GBP: [1.15, 1.4], CAD: [0.68, 0.8], AUD: [0.6, 0.72], JPY: [0.006, 0.0078],
      BRL: [0.17, 0.23], INR: [0.0112, 0.0128], SGD: [0.7, 0.79], SEK: [0.085, 0.105],
    };
    const rates = new Map<string, number[]>();
    for (const [, ccy, rate] of csv('fx_rates.csv').slice(1)) {
      if (!rates.has(ccy)) rates.set(ccy, []);
      rates.get(ccy)!.push(Number(rate));
    }
    for (const [ccy, series] of rates) {
      const [lo, hi] = band[ccy];
      expect(Math.min(...series), ccy).toBeGreaterThanOrEqual(lo);
      expect(Math.max(...series), ccy).toBeLessThanOrEqual(hi);
      if (ccy === 'USD') continue;
      // each day's move is at most ±0.4% plus a small pull back to the level: it moves every day,
      // never by more than about half a percent
      const moves = series.slice(1).map((r, i) => Math.log(r / series[i]));
      const sd = Math.sqrt(moves.reduce((a, m) => a + m * m, 0) / moves.length);
      expect(sd, ccy).toBeGreaterThan(0.001);
      expect(Math.max(...moves.map(Math.abs)), ccy).toBeLessThan(0.006);
    }
  });

  it('iso_countries.csv has every ISO 3166-1 country, each code unique and of its shape', () => {
    const rows = csv('iso_countries.csv');
    expect(rows[0]).toEqual(['alpha_2', 'alpha_3', 'numeric_code', 'country_name', 'region', 'subregion', 'utc_offset_minutes']);
    expect(rows.length - 1).toBe(249);
    expect(rows.some((r) => r[0] === 'DE' && r[1] === 'DEU' && r[2] === '276')).toBe(true);
    // the numeric code keeps its leading zeros (Afghanistan is 004)
    expect(rows.some((r) => r[0] === 'AF' && r[1] === 'AFG' && r[2] === '004')).toBe(true);
    for (const [i, shape] of [/^[A-Z]{2}$/, /^[A-Z]{3}$/, /^\d{3}$/].entries()) {
      const codes = rows.slice(1).map((r) => r[i]);
      expect(codes.filter((c) => !shape.test(c)), rows[0][i]).toEqual([]);
      expect(new Set(codes).size, rows[0][i]).toBe(codes.length);
    }
    const alpha2 = new Set(rows.map((r) => r[0]));
    expect(COUNTRIES.filter((c) => !alpha2.has(c.code))).toEqual([]);
  });

  it('iso_countries.csv gives each country its UN M49 region and sub-region (its intermediate region where M49 has one)', () => {
    const m49: Record<string, string[]> = {
      Africa: ['Northern Africa', 'Eastern Africa', 'Middle Africa', 'Southern Africa', 'Western Africa'],
      Americas: ['Caribbean', 'Central America', 'South America', 'Northern America'],
      Asia: ['Central Asia', 'Eastern Asia', 'South-eastern Asia', 'Southern Asia', 'Western Asia'],
      Europe: ['Eastern Europe', 'Northern Europe', 'Southern Europe', 'Western Europe'],
      Oceania: ['Australia and New Zealand', 'Melanesia', 'Micronesia', 'Polynesia'],
    };
    // code, region, sub-region (a name may hold a comma, in quotes: the last three columns never do)
    const rows = csv('iso_countries.csv').slice(1).map((r) => [r[0], r.at(-3)!, r.at(-2)!]);
    // every sub-region is one of M49's 22, in its region; Antarctica alone has neither in M49
    expect(rows.filter((r) => r[0] !== 'AQ' && !(m49[r[1]] ?? []).includes(r[2])).map((r) => r.join(','))).toEqual([]);
    expect(rows.filter((r) => r[0] === 'AQ').map((r) => [r[1], r[2]])).toEqual([['Antarctica', '']]);
    expect(new Set(rows.map((r) => r[2])).size).toBe(23);
    // where other schemes differ from M49: Cyprus, Mexico, the US Minor Outlying Islands, South
    // Sudan, Austria and Czechia, the Antarctic territories other than Antarctica, Nauru
    const of = (code: string) => rows.find((r) => r[0] === code)!.slice(1).join(' / ');
    expect(['CY', 'MX', 'UM', 'SS', 'AT', 'CZ', 'BV', 'HM', 'TF', 'NR', 'US'].map(of)).toEqual(['Asia / Western Asia', 'Americas / Central America',
      'Oceania / Micronesia', 'Africa / Eastern Africa', 'Europe / Western Europe', 'Europe / Eastern Europe', 'Americas / South America',
      'Oceania / Australia and New Zealand', 'Africa / Eastern Africa', 'Oceania / Micronesia', 'Americas / Northern America']);
  });

  it('iso_countries.csv gives each country its standard-time UTC offset, the generator\'s for every country it draws', () => {
    // code and offset (the offset is the last column, and a name may hold a comma in quotes)
    const offsets = new Map(csv('iso_countries.csv').slice(1).map((r) => [r[0], r.at(-1)!]));
    expect(offsets.size).toBe(249);
    // whole minutes, in quarter hours (Nepal's +5:45 is the finest), from UTC-12 to UTC+14
    expect([...offsets].filter(([, o]) => !/^-?\d+$/.test(o) || Number(o) % 15 !== 0 || Number(o) < -720 || Number(o) > 840)).toEqual([]);
    // the warehouse's local time is the generator's: one offset per country, the same as timeOfDay.ts shifts by
    expect(COUNTRIES.map((c) => [c.code, Number(offsets.get(c.code))])).toEqual(COUNTRIES.map((c) => [c.code, c.utcOffsetMinutes]));
    // well-known ones (Australia: Canberra's and Sydney's, as the generator has it; Kiribati: Tarawa's)
    expect(['IN', 'NP', 'JP', 'GB', 'BR', 'AU', 'IR', 'KI', 'CV', 'MM'].map((c) => Number(offsets.get(c))))
      .toEqual([330, 345, 540, 0, -180, 600, 210, 720, -60, 390]);
  });

  it('plans.csv lists each tier, period and plan currency at its price: annual is 10 months', () => {
    const plans = csv('plans.csv');
    expect(plans[0]).toEqual(['plan_id', 'plan_name', 'tier', 'billing_period', 'list_price', 'currency']);
    const expected = PLAN_TIERS.flatMap((t) => (['monthly', 'annual'] as const).flatMap((period) => PLAN_CURRENCIES.map(({ currency, factor }) => {
      const monthly = Math.round(t.monthlyUsd * factor * 100) / 100;
      return [planId(t.tier, period, currency), t.tier, period, currency, period === 'annual' ? Math.round(t.monthlyUsd * factor * 1000) / 100 : monthly];
    })));
    const listed = plans.slice(1).map(([id, , tier, period, price, currency]) => [id, tier, period, currency, Number(price)]);
    expect(listed.sort()).toEqual(expected.sort());
    expect(plans.find((p) => p[0] === 'growth_monthly_usd')?.[4]).toBe('99.00');
    expect(plans.find((p) => p[0] === 'scale_annual_gbp')?.[4]).toBe('2362.10');
  });

  it('marketing_channels.csv and product_categories.csv are the generator catalogue, column for column', () => {
    expect(csv('marketing_channels.csv')).toEqual([['channel_id', 'is_paid', 'utm_source', 'utm_medium'],
      ...CHANNELS.map((c) => [c.id, String(c.paid), c.utmSource, c.utmMedium])]);
    expect(csv('product_categories.csv')).toEqual([['category_id', 'min_price_usd', 'max_price_usd', 'is_shipped'],
      ...CATEGORIES.map((c) => [c.id, c.minUsd.toFixed(2), c.maxUsd.toFixed(2), String(c.shipped)])]);
  });

  it('every currency is some country\'s, and every channel and country brings signups', () => {
    expect(new Set(COUNTRIES.map((c) => c.currency))).toEqual(new Set(CURRENCIES));
    expect(CHANNELS.filter((c) => !(c.weight > 0))).toEqual([]);
    expect(COUNTRIES.filter((c) => !(c.weight > 0))).toEqual([]);
  });
});

describe('stratum generate cancel', () => {
  // a SIGHUP (the terminal closed) killed the run with no clean-up: its staging folder and lock stayed
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s exits 130, leaves no staging folder and no half-written day', async (signal) => {
    const { spawn } = await import('node:child_process');
    const { mkdirSync, readdirSync } = await import('node:fs');
    const out = join(dir, `raw-cancel-${signal}`);
    mkdirSync(join(out, '.stratum-tmp-999999999-1'), { recursive: true }); // left by a killed run
    const child = spawn(process.execPath, ['bin/stratum.js', 'generate', '--from', '2024-01-01', '--to', '2024-03-31', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // interrupt once the first source of the batch is written, while the rest are running
        if (/rows .*\[/.test(stderr) && !child.killed) child.kill(signal);
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/\ngeneration cancelled before it placed any day; the lake is as it was\n$/);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(existsSync(join(out, '_truth'))).toBe(false);
  });

  // the terminal it runs in goes away (its window closed): a SIGHUP, and then writing the cancel
  // notice to the terminal fails with EIO, which crashed the run (exit 1) in the middle of its cancel
  it.runIf(process.platform === 'linux' && spawnSync('script', ['--version']).status === 0)('stops when its terminal goes away, exit 130, leaving nothing behind', async () => {
    const { spawn } = await import('node:child_process');
    const out = join(dir, 'raw-hangup');
    // the run's exit code, which nothing else outlives the terminal to see
    const code = join(dir, 'hangup-code');
    const hook = join(dir, 'exit-code.mjs');
    writeFileSync(hook, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', (c) => writeFileSync(${JSON.stringify(code)}, String(c)));\n`);
    // in a terminal of its own (script), whose session it leads, as a shell's job would be signalled
    const term = spawn('script', ['-qfc', `${process.execPath} --import ${hook} bin/stratum.js generate --from 2024-01-01 --to 2024-03-31 --out ${out}`, '/dev/null'],
      { stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = '';
    await new Promise<void>((resolve) => {
      term.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        // the terminal closes once the first source of the batch is written
        if (/rows .*\[/.test(seen) && !term.killed) term.kill('SIGKILL');
      });
      term.on('exit', () => resolve());
    });
    for (let i = 0; i < 600 && !existsSync(code); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(code) && readFileSync(code, 'utf8')).toBe('130');
    expect(existsSync(out)).toBe(false);
  });

  it('stops at once on a second signal, exit 130, and still leaves no staging folder', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdirSync, readdirSync } = await import('node:fs');
    const out = join(dir, 'raw-twice');
    mkdirSync(out);
    const child = spawn(process.execPath, ['bin/stratum.js', 'generate', '--from', '2024-01-01', '--to', '2024-03-31', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = 0;
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const next = sent === 0 ? /rows .*\[/.test(stderr) : sent === 1 && stderr.includes('Ctrl-C again to stop at once');
        if (next) {
          child.kill('SIGINT');
          sent++;
        }
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code, stderr).toBe(130);
    expect(readdirSync(out)).toEqual([]);
  });

  it('reports a cancel landing during any statement as the cancel, and leaves nothing behind', async () => {
    // every statement, appender and read of a run is counted; run k aborts just after the k-th
    // starts, so the interrupt lands in it (a cancel while the world tables loaded once crashed
    // with DuckDB's raw INTERRUPT error, and a promise left unawaited)
    const { DuckDBConnection } = await import('@duckdb/node-api');
    const { generate } = await import('../../generator/generate.js');
    const { CancelledError } = await import('../../src/errors.js');
    const { readdirSync } = await import('node:fs');
    const proto = DuckDBConnection.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const methods = ['run', 'runAndReadAll', 'createAppender'] as const;
    const originals = methods.map((m) => proto[m]);
    let calls = 0;
    let abortAt = 0;
    const controller = { current: new AbortController() };
    methods.forEach((m, i) => {
      proto[m] = function (this: unknown, ...args: unknown[]) {
        const started = originals[i].apply(this, args);
        if (++calls === abortAt) controller.current.abort();
        return started;
      };
    });
    const rules = loadRules();
    const day = rules.dates.default_end;
    try {
      // how many calls a whole run of one day makes
      calls = 0;
      abortAt = 0;
      await generate({ rules, from: day, to: day, scale: 1, outDir: join(dir, 'count-calls') });
      const total = calls;
      expect(total).toBeGreaterThan(40);
      // each call of the start (world tables, order universe, the first sources), then every fifth
      const points = [...Array.from({ length: 24 }, (_, i) => i + 1), ...Array.from({ length: Math.ceil((total - 24) / 5) }, (_, i) => 25 + 5 * i)];
      for (const k of points) {
        calls = 0;
        abortAt = k;
        controller.current = new AbortController();
        const out = join(dir, `cancel-at-${k}`);
        const run = generate({ rules, from: day, to: day, scale: 1, outDir: out, signal: controller.current.signal });
        await expect(run, `aborted at call ${k} of ${total}`).rejects.toThrow(CancelledError);
        await expect(run).rejects.toThrow(/^generation cancelled before it placed any day; the lake is as it was$/);
        // it placed nothing, so the folder it made is gone, staging and all
        expect(existsSync(out), `aborted at call ${k}`).toBe(false);
      }
      expect(readdirSync(dir).filter((f) => f.startsWith('cancel-at-'))).toEqual([]);
    } finally {
      methods.forEach((m, i) => { proto[m] = originals[i]; });
    }
  });

  it('stops the order universe part way when cancelled while DuckDB builds it, even when the first interrupt is lost', async () => {
    // a universe's statements go to DuckDB as one call: a cancel while it runs interrupts it there,
    // and none of its statements after the one running then is run. An interrupt that lands
    // before DuckDB has begun the call is lost: here the cancel's own interrupt of the universe's
    // connection is dropped, as if it had landed so, and the run must interrupt the call again
    const { DuckDBConnection } = await import('@duckdb/node-api');
    const { generate } = await import('../../generator/generate.js');
    const { CancelledError } = await import('../../src/errors.js');
    const proto = DuckDBConnection.prototype as unknown as { run: (sql: string, ...a: unknown[]) => Promise<unknown>; interrupt: () => void };
    const original = { run: proto.run, interrupt: proto.interrupt };
    const controller = new AbortController();
    const universe: { con: unknown; statements: number; interrupts: number; outcome?: string }[] = [];
    proto.run = async function (this: unknown, sql: string, ...args: unknown[]) {
      if (!sql.startsWith('create or replace table u_pairs')) return original.run.call(this, sql, ...args);
      const call: (typeof universe)[number] = { con: this, statements: sql.split(';\n').length, interrupts: 0 };
      universe.push(call);
      const running = original.run.call(this, sql, ...args);
      controller.abort();
      try {
        const result = await running;
        call.outcome = 'completed';
        return result;
      } catch (e) {
        call.outcome = String(e);
        throw e;
      }
    };
    proto.interrupt = function (this: unknown) {
      const call = universe.find((c) => c.con === this && c.outcome === undefined);
      if (call && call.interrupts++ === 0) return; // lost
      original.interrupt.call(this);
    };
    const rules = loadRules();
    const day = rules.dates.default_end;
    try {
      // a universe of some 60 event days at scale 3, which DuckDB takes a second or more over
      const run = generate({ rules, from: day - 29, to: day, scale: 3, outDir: join(dir, 'cancel-in-universe'), signal: controller.signal });
      await expect(run).rejects.toThrow(CancelledError);
    } finally {
      Object.assign(proto, original);
    }
    // one call of the universe's six statements, interrupted again after the lost interrupt, not
    // run to its end
    expect(universe).toHaveLength(1);
    expect(universe[0].statements).toBe(6);
    expect(universe[0].interrupts).toBeGreaterThan(1);
    expect(universe[0].outcome).toMatch(/interrupt/i);
  });
});
