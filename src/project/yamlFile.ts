/**
 * A YAML file read with positions, so every config error can name the file, line and key.
 * Uses the `yaml` package's Document API and a LineCounter.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parse, parseDocument, visit, type Document, type DocumentOptions, type Pair, type ParseOptions, type SchemaOptions, type ScalarTag, type YAMLMap } from 'yaml';
import { ConfigError, type SourceLocation } from '../errors.js';
import { plainValue, PyFloat } from './pythonRepr.js';

/**
 * How plain scalars are read: `yaml-1.2` (the YAML 1.2 core schema, with `<<` merge keys as YAML
 * 1.1 has them: rules.yaml), or `pyyaml`, as dbt reads its
 * files (dbt_project.yml, profiles.yml, properties files, `--vars`, `fromyaml`) with PyYAML's safe
 * loader, YAML 1.1: `yes`/`no`/`on`/`off` are booleans, `012` is octal, `1:30` is 90, `1e3` (no dot)
 * is a string, and `<<` merges a mapping in.
 */
export type YamlDialect = 'yaml-1.2' | 'pyyaml';

/** `s` without its sign, and the sign as a factor. */
function unsigned(s: string): [string, number] {
  return s[0] === '-' ? [s.slice(1), -1] : [s[0] === '+' ? s.slice(1) : s, 1];
}

/** A base-60 number `a:b:c` (PyYAML's sexagesimal int or float). */
function sexagesimal(s: string): number {
  return s.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

/** PyYAML's int: binary, octal (a leading 0), decimal, hex or sexagesimal, with `_` ignored. */
function pyInt(text: string): number {
  const [s, sign] = unsigned(text.replace(/_/g, ''));
  if (s === '0') return 0;
  if (s.startsWith('0b')) return sign * parseInt(s.slice(2), 2);
  if (s.startsWith('0x')) return sign * parseInt(s.slice(2), 16);
  if (s.startsWith('0')) return sign * parseInt(s.slice(1), 8);
  return sign * (s.includes(':') ? sexagesimal(s) : Number(s));
}

/** PyYAML's float: decimal with a dot, sexagesimal, `.inf` or `.nan`, with `_` ignored. */
function pyFloat(text: string): number {
  const [s, sign] = unsigned(text.replace(/_/g, '').toLowerCase());
  if (s === '.inf') return sign * Infinity;
  if (s === '.nan') return NaN;
  return sign * (s.includes(':') ? sexagesimal(s) : Number(s));
}

/** PyYAML's implicit bool, int and float resolvers (yaml/resolver.py), as `yaml` package tags. */
const PYYAML_SCALARS: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:bool', default: true, test: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, resolve: () => true },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, resolve: () => false },
  {
    tag: 'tag:yaml.org,2002:int', default: true, resolve: pyInt,
    test: /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  },
  {
    tag: 'tag:yaml.org,2002:float', default: true, resolve: pyFloat,
    test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  },
];

/**
 * PyYAML's scalars with floats as Python floats (PyFloat), for values that reach templates: `1.0`
 * prints `1.0` there, as in dbt, where a JS number prints `1`.
 */
const PYYAML_SCALARS_PY_FLOATS: ScalarTag[] = PYYAML_SCALARS.map((t) => (t.tag === 'tag:yaml.org,2002:float' ? { ...t, resolve: (text: string) => new PyFloat(pyFloat(text)) } : t));

/** The `yaml` package's options for a dialect; `pythonFloats`: PyYAML's floats as PyFloat. */
function dialectOptions(dialect: YamlDialect, pythonFloats = false): ParseOptions & DocumentOptions & SchemaOptions {
  if (dialect === 'yaml-1.2') return { merge: true };
  // the core schema's map, seq, str and null (its null is PyYAML's: ~, null, Null, NULL, empty)
  // with PyYAML's scalars in place of its own; dates stay strings, which render as PyYAML's
  // date objects do
  const kept = new Set(['tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq', 'tag:yaml.org,2002:str', 'tag:yaml.org,2002:null']);
  return { schema: 'core', merge: true, customTags: (tags) => [...tags.filter((t) => typeof t === 'object' && kept.has(t.tag)), ...(pythonFloats ? PYYAML_SCALARS_PY_FLOATS : PYYAML_SCALARS)] };
}

/**
 * Parses YAML text to plain JS as dbt reads it (the `pyyaml` dialect); throws the `yaml` package's
 * error. `pythonFloats`: floats as PyFloat, for values that only templates read (`--vars`, `fromyaml`).
 */
export function parseDbtYaml(text: string, pythonFloats = false): unknown {
  return parse(text, { ...dialectOptions('pyyaml', pythonFloats), maxAliasCount: 1000 });
}

/** A path into a YAML document: map keys and sequence indexes. */
export type KeyPath = readonly (string | number)[];

/** Formats a key path as `models[0].columns[1].name`. */
export function formatKeyPath(path: KeyPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

/** The most a YAML file Stratum reads may hold: far more than any rules or project file does. */
const MAX_YAML_BYTES = 64 * 1024 * 1024;

/**
 * Reads a file as UTF-8, a chunk at a time, up to MAX_YAML_BYTES: a device that never ends
 * (`--rules /dev/zero`) is refused at that size instead of read until memory runs out, while a
 * pipe (`--rules <(...)`) or /dev/null reads as a file does.
 */
function readCapped(absPath: string, displayPath: string): string {
  const fd = openSync(absPath, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(1 << 16);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_YAML_BYTES) throw new ConfigError(`holds more than ${MAX_YAML_BYTES / 1024 / 1024} MiB, not a YAML file Stratum reads`, { file: displayPath });
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** A parsed YAML file: its plain data plus a way to locate any key path in it. */
export class YamlFile {
  /** The file name used in messages (relative to the project where possible). */
  readonly displayPath: string;
  /** The document as plain JS (maps become objects, floats numbers). */
  readonly data: unknown;
  /**
   * The document with the `pyyaml` dialect's floats as PyFloat, for values that only templates read
   * (vars, test arguments), where `1.0` prints `1.0`; the same as `data` in the `yaml-1.2` dialect.
   */
  readonly pythonData: unknown;
  private readonly doc: Document;
  private readonly lines: LineCounter;
  private readonly text: string;

  private constructor(displayPath: string, doc: Document, lines: LineCounter, text: string) {
    this.displayPath = displayPath;
    this.doc = doc;
    this.lines = lines;
    this.text = text;
    this.pythonData = doc.toJS({ maxAliasCount: 1000 }) as unknown;
    this.data = plainValue(this.pythonData);
  }

  /** Parses YAML text. Throws ConfigError at the line of the first syntax error. */
  static parse(text: string, displayPath: string, dialect: YamlDialect = 'yaml-1.2'): YamlFile {
    const lines = new LineCounter();
    // logLevel 'error': no warnings on stderr (a key that is a list would print one); the
    // validators report such a key themselves, at its line
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, logLevel: 'error', ...dialectOptions(dialect, true) });
    const err = doc.errors[0];
    if (err) {
      // the package's own advice (use YAML.parseAllDocuments()) is for its callers, not for the user
      const msg = err.code === 'MULTIPLE_DOCS' ? 'the file holds more than one document (a second begins with this ---)' : err.message.split('\n')[0] ?? err.message;
      // the parser notices an unclosed `[`, `{` or quote where the text runs out of it (the next
      // line, or the end of the file): point at the one left open instead
      const closer = /end with a ([\]}])$/.exec(msg)?.[1] ?? /^Missing closing (["'])quote/.exec(msg)?.[1];
      const opened = closer === undefined ? undefined : unclosedOpener(text, err.pos[0], closer);
      const pos = lines.linePos(opened ?? err.pos[0]);
      const what = opened === undefined ? '' : `this ${text[opened]} is not closed: `;
      // a duplicate key is named, as the validators name theirs
      const key = err.code === 'DUPLICATE_KEY' ? keyPathAt(doc.contents, err.pos[0]) : undefined;
      throw new ConfigError(`invalid YAML: ${what}${msg}`, { file: displayPath, line: pos.line, column: pos.col, ...(key ? { key: formatKeyPath(key) } : {}) });
    }
    // `<<: 3`: the yaml package throws a plain Error when the document is read
    const merge = badMerge(doc);
    if (merge) {
      const pos = lines.linePos(merge.range[0]);
      throw new ConfigError(`invalid YAML: a merge key << takes a mapping, an alias of one, or a list of them; got ${merge.got}`, { file: displayPath, line: pos.line, column: pos.col });
    }
    try {
      return new YamlFile(displayPath, doc, lines, text);
    } catch (e) {
      // the parser leaves aliases to be resolved when the document is read: one whose anchor is
      // not set before it (a ReferenceError; under a `<<` merge key, the plain Error of a merge
      // source that is no mapping), or so many that they would expand past maxAliasCount (a
      // "billion laughs")
      const alias = unresolvedAlias(doc);
      if (!alias?.range) {
        if (!(e instanceof ReferenceError)) throw e;
        throw new ConfigError(`invalid YAML: its aliases expand to more than 1,000 values`, { file: displayPath });
      }
      const pos = lines.linePos(alias.range[0]);
      throw new ConfigError(`invalid YAML: alias *${alias.source} has no anchor &${alias.source} before it`, { file: displayPath, line: pos.line, column: pos.col });
    }
  }

  /** The value at a key path of pythonData, or undefined. */
  pythonValueAt(path: KeyPath): unknown {
    let v = this.pythonData;
    for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[p] : undefined;
    return v;
  }

  /** The document's root node, with source ranges (for validators that walk the tree). */
  get root(): Document['contents'] {
    return this.doc.contents;
  }

  /** The node an alias (`*name`) stands for; any other node as it is. */
  resolved<T>(node: T): T {
    return isAlias(node) ? ((node.resolve(this.doc) as T | undefined) ?? node) : node;
  }

  /**
   * The pairs of a mapping as it reads: its own (but its `<<` merge keys), then those its merge
   * keys bring in (from a mapping, an alias of one, or a list of them, merged as YAML 1.1 and
   * PyYAML merge: a key of its own wins, then the first source that has it) that are not already
   * there. Each pair is the node where it is written: a key from an anchored map is at its own line.
   */
  entries(map: YAMLMap): Pair[] {
    const own = map.items.filter((p) => !isMergeKey(p.key));
    const out: Pair[] = [...own];
    const seen = new Set(own.map((p) => scalarKey(p.key)));
    for (const pair of map.items.filter((p) => isMergeKey(p.key))) {
      const value = this.resolved(pair.value);
      const sources = isSeq(value) ? value.items.map((it) => this.resolved(it)) : [value];
      for (const source of sources) {
        // badMerge refused any other source when the file was read
        if (!isMap(source)) continue;
        for (const p of this.entries(source)) {
          const key = scalarKey(p.key);
          if (key !== undefined && seen.has(key)) continue;
          seen.add(key);
          out.push(p);
        }
      }
    }
    return out;
  }

  /** The text a node's range spans in the file, its first line only: `.nan`, `"x"`, `[a, b]`. */
  spelled(range: readonly number[]): string {
    return this.text.slice(range[0], range[1]).split('\n')[0].trim();
  }

  /** The 1-based line of a character offset in the file. */
  lineAt(offset: number): number {
    return this.lines.linePos(offset).line;
  }

  /**
   * Reads and parses a file. Throws ConfigError when it cannot be read or parsed; a missing file
   * is "not found", followed by `notFoundHint` (where it was looked for, what to do) when given.
   */
  static read(absPath: string, displayPath: string, notFoundHint?: string, dialect: YamlDialect = 'yaml-1.2'): YamlFile {
    let text: string;
    try {
      text = readCapped(absPath, displayPath);
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ConfigError(notFoundHint ? `not found ${notFoundHint}` : 'not found', { file: displayPath });
      if (code === 'EISDIR') throw new ConfigError(`is a folder, not a YAML file${notFoundHint ? ` ${notFoundHint}` : ''}`, { file: displayPath });
      throw new ConfigError(`cannot read file: ${code ?? (e as Error).message}`, { file: displayPath });
    }
    return YamlFile.parse(text, displayPath, dialect);
  }

  /**
   * The location of a key path: the line of the deepest existing node on the path (the key
   * itself for map entries, where it is written: a key a `<<` merge key brings in, or one under
   * an alias, at its line in the anchored node), with the full dotted key.
   */
  loc(path: KeyPath): SourceLocation {
    let node: unknown = this.doc.contents;
    let offset: number | undefined = (node as { range?: number[] } | null)?.range?.[0];
    for (const p of path) {
      node = this.resolved(node);
      if (isMap(node)) {
        const pair = this.entries(node).find((it) => scalarKey(it.key) === String(p));
        if (!pair) break;
        offset = (pair.key as { range?: number[] }).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof p === 'number') {
        const item = node.items[p] as { range?: number[] } | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    const line = offset === undefined ? undefined : this.lineAt(offset);
    return { file: this.displayPath, ...(line !== undefined ? { line } : {}), ...(path.length ? { key: formatKeyPath(path) } : {}) };
  }

  /** A ConfigError located at the key path. */
  error(message: string, path: KeyPath): ConfigError {
    return new ConfigError(message, this.loc(path));
  }
}

/** Whether a map key is a `<<` merge key (the yaml package's, when merge keys are on). */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';
}

/** A scalar map key as a string (`1` and `'1'` alike, as the plain data has them); undefined for any other key. */
function scalarKey(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/**
 * The first `<<` merge key in `doc` whose value is not a mapping, an alias of one, or a list of
 * them, with what its value is instead; undefined when there is none. An alias with no anchor is
 * left to unresolvedAlias.
 */
function badMerge(doc: Document): { range: readonly number[]; got: string } | undefined {
  let found: { range: readonly number[]; got: string } | undefined;
  const what = (node: unknown): string | undefined => {
    const v = isAlias(node) ? node.resolve(doc) : node;
    if (isAlias(node) && v === undefined) return undefined;
    return isMap(v) ? undefined : isSeq(v) ? 'a list' : isScalar(v) && v.value !== null ? 'a scalar' : 'nothing';
  };
  visit(doc, {
    Pair(_, pair) {
      if (!isMergeKey(pair.key)) return undefined;
      const value = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
      const got = isSeq(value) ? value.items.map(what).find((w) => w !== undefined)?.replace(/^a list$/, 'a list in the list') : what(pair.value);
      if (got === undefined) return undefined;
      found = { range: (pair.key as { range?: readonly number[] }).range ?? [0], got };
      return visit.BREAK;
    },
  });
  return found;
}

/** The first alias in `doc` with no anchor of its name before it, if one has none. */
function unresolvedAlias(doc: Document): { source: string; range?: readonly number[] | null } | undefined {
  let found: { source: string; range?: readonly number[] | null } | undefined;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && node.resolve(doc) === undefined) {
        found = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** The key path of the map key that starts at character `offset` under `node`, if one does. */
function keyPathAt(node: unknown, offset: number, path: KeyPath = []): KeyPath | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const here = [...path, String(pair.key.value)];
      if (pair.key.range?.[0] === offset) return here;
      const inner = keyPathAt(pair.value, offset, here);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const inner = keyPathAt(item, offset, [...path, i]);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Whether a value is a plain YAML mapping. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The offset of the last `[`/`{` (for `closer` `]`/`}`) or quote (for `"`/`'`) still open at
 * offset `end`, scanning YAML text the way its flow syntax nests; undefined when none is found.
 * Brackets count only where a flow collection may start (after `:`, `-`, `,`, `[`, `{` or at the
 * start of a line), so `a: x[1]` is a plain scalar, and a `'` inside a word is an apostrophe.
 */
function unclosedOpener(text: string, end: number, closer: string): number | undefined {
  const opener = closer === ']' ? '[' : closer === '}' ? '{' : closer;
  const open: { ch: string; at: number }[] = [];
  let quote: { ch: string; at: number } | undefined;
  let prev = '\n'; // the last character outside quotes that is not a space
  for (let i = 0; i < Math.min(end, text.length); i++) {
    const c = text[i];
    if (quote) {
      if (quote.ch === '"' && c === '\\') i++;
      else if (c === quote.ch && quote.ch === "'" && text[i + 1] === "'") i++;
      else if (c === quote.ch) {
        quote = undefined;
        prev = c;
      }
      continue;
    }
    if (c === '#' && (prev === '\n' || /\s/.test(text[i - 1] ?? '\n'))) {
      while (i < end && text[i + 1] !== '\n') i++;
      continue;
    }
    const starts = prev === '\n' || ':-,[{'.includes(prev);
    if ((c === '"' || c === "'") && starts) quote = { ch: c, at: i };
    else if ((c === '[' || c === '{') && starts) open.push({ ch: c, at: i });
    else if ((c === ']' || c === '}') && open.length > 0) open.pop();
    if (c === '\n') prev = '\n';
    else if (c !== ' ' && c !== '\t') prev = c;
  }
  if (opener === '"' || opener === "'") return quote?.ch === opener ? quote.at : undefined;
  return [...open].reverse().find((o) => o.ch === opener)?.at;
}
