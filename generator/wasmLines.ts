/**
 * The JS side that the WebAssembly writers (eventsWriter.ts, paymentsWriter.ts) share: instancing
 * a module of assembly/, handing it texts and numbers, and writing an arrival day's file from the
 * pieces it hands out, with the day's truth from its truth entries (assembly/output.ts).
 */
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessWindows, packedAccess } from './access.js';
import { CHANNELS } from './catalog.js';
import { formatDay } from './dates.js';
import type { DefectKind } from './rules.js';
import { utcOffsetSec } from './timeOfDay.js';
import type { World } from './world.js';
import { writeAll, type SourceDayTruth } from './writer.js';

/** What every module of assembly/ exports (assembly/output.ts). */
export interface LinesModule {
  memory: WebAssembly.Memory;
  reserve(n: number): number;
  release(ptr: number): void;
  setText(index: number, bytes: number): void;
  setConfig(ptr: number): void;
  writeMore(): number;
  outPtr(): number;
  outLen(): number;
  truthPtr(): number;
  truthLen(): number;
  lineCount(): number;
}

/**
 * The accounts as the WebAssembly writers read them, plain data that a worker thread is handed
 * (wasmThread.ts): their ids, ACCOUNT_FIELDS numbers each (signup day and second, 1 for the initial
 * load, the channel's index in CHANNELS, the campaign or -1, 1 when its trial converts, its offset
 * from UTC in seconds), World's `cumulative` (see poolOn) and the days each may use the app on
 * (access.ts's packedAccess).
 */
export interface WasmAccounts {
  readonly ids: readonly string[];
  readonly data: Int32Array;
  readonly cumulative: Int32Array;
  readonly access: Int32Array;
}

/** The numbers of an account in WasmAccounts' `data` (its stride; assembly/events.ts's ACCOUNT_FIELDS). */
export const ACCOUNT_FIELDS = 7;

/** The world's accounts as WasmAccounts. */
export function wasmAccounts(world: World): WasmAccounts {
  const channelIndex = new Map(CHANNELS.map((c, i) => [c.id, i]));
  const data = new Int32Array(world.customers.length * ACCOUNT_FIELDS);
  world.customers.forEach((c, i) => {
    data.set([c.signupDay, c.signupSec, c.isInitial ? 1 : 0, channelIndex.get(c.channel)!, c.campaign ?? -1, c.converts ? 1 : 0,
      utcOffsetSec(c.country)], i * ACCOUNT_FIELDS);
  });
  return { ids: world.customers.map((c) => c.id), data, cumulative: world.cumulative, access: packedAccess(accessWindows(world), world.customers.length) };
}

const compiled = new Map<string, WebAssembly.Module>();

/** A new instance of the module at `url` (compiled once a run); its aborts throw an internal error. */
export function instantiate<T extends LinesModule>(url: URL): T {
  let module = compiled.get(url.href);
  if (!module) compiled.set(url.href, (module = new WebAssembly.Module(readFileSync(url))));
  // an AssemblyScript string: its byte length just before it, then UTF-16 (read once the instance exists)
  const text = (ptr: number) => {
    const memory = (instance.exports as unknown as T).memory;
    const at = ptr >>> 0;
    return at === 0 ? '' : Buffer.from(memory.buffer, at, new Uint32Array(memory.buffer, at - 4, 1)[0]).toString('utf16le');
  };
  const instance: WebAssembly.Instance = new WebAssembly.Instance(module, { env: { abort: (message: number, file: number, line: number, col: number) => {
    throw new Error(`internal: ${text(message)} at ${text(file)}:${line}:${col}`);
  } } });
  // a usize comes out of WebAssembly as a signed i32: an address or a length past 2 GB (a day of
  // events at --scale 100) would be negative, so those the JS side reads memory at are unsigned
  const exports: Record<string, unknown> = { ...instance.exports };
  for (const name of UNSIGNED_EXPORTS) {
    const f = exports[name];
    if (typeof f === 'function') exports[name] = (...args: number[]) => (f as (...a: number[]) => number)(...args) >>> 0;
  }
  return exports as unknown as T;
}

/** The exports of the writers' modules that return an address or a length in their memory (a usize). */
export const UNSIGNED_EXPORTS: readonly string[] = ['reserve', 'outPtr', 'outLen', 'truthPtr'];

/**
 * Hands the module its texts, numbered list by list, and its numbers: list `name` goes in config
 * slots `slots[name]` (its first text's number) and the next (its length).
 */
export function setTextsAndConfig(x: LinesModule, lists: Record<string, readonly string[]>, slots: Record<string, number>, config: Float64Array): void {
  const texts: string[] = [];
  for (const [name, list] of Object.entries(lists)) {
    config[slots[name]] = texts.length;
    config[slots[name] + 1] = list.length;
    for (const t of list) texts.push(t); // not push(...list): a list of 200,000 accounts overflows the stack
  }
  const encoded = texts.map((t) => Buffer.from(t, 'latin1'));
  const total = encoded.reduce((a, b) => a + b.length, 0);
  const index = x.reserve(texts.length * 8);
  const bytes = x.reserve(total);
  let offset = 0;
  encoded.forEach((b, i) => {
    new Uint32Array(x.memory.buffer, index + i * 8, 2).set([offset, b.length]);
    new Uint8Array(x.memory.buffer, bytes + offset, b.length).set(b);
    offset += b.length;
  });
  x.setText(index, bytes);
  const cfg = x.reserve(config.byteLength);
  new Float64Array(x.memory.buffer, cfg, config.length).set(config);
  x.setConfig(cfg);
}

/**
 * ASCII texts one after the other in a buffer of their own, which a writer's thread can be handed
 * without a copy (wasmThread.ts).
 */
export function asciiBuffer(texts: readonly string[]): Uint8Array<ArrayBuffer> {
  const buffer = new ArrayBuffer(texts.reduce((n, t) => n + t.length, 0));
  const bytes = Buffer.from(buffer);
  let at = 0;
  for (const t of texts) at += bytes.write(t, at, 'latin1');
  return new Uint8Array(buffer);
}

/** `prefix` and the 12 hex digits of a key's low 48 bits (sqlRandom's hexId). */
export function hexKey(prefix: string, k: bigint): string {
  return `${prefix}${(k & 0xffffffffffffn).toString(16).padStart(12, '0')}`;
}

/**
 * Writes the file of arrival day `day` of `source` under `root`, once the module's writeDay has
 * begun it (its first piece is out), and returns its truth: `kinds` are the defect kinds of its
 * truth entries' bits, in bit order; `keyOf` names the record of an entry (key, bits, the entry's
 * other u64) for a kind.
 */
export function writeDayFile(x: LinesModule, root: string, source: string, day: number, kinds: readonly DefectKind[],
  keyOf: (kind: DefectKind, k: bigint, bits: number, aux: bigint) => string): SourceDayTruth {
  const date = formatDay(day);
  const file = `${source}/dt=${date}/part-00000.jsonl`;
  // `root` (a batch's folder) is made here if need be, but never the folder it is in: a writer
  // still at work when its process stops at once (a second Ctrl-C) must not make again the staging
  // folder that the process removes on its way out (under load, one was left behind so)
  try {
    mkdirSync(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  mkdirSync(join(root, source, `dt=${date}`), { recursive: true });
  // the file comes in pieces of some 32 MB (a day of events at --scale 100 is more than a GB)
  let bytes = 0;
  const fd = openSync(join(root, file), 'w');
  try {
    for (let more = 1; ; more = x.writeMore()) {
      if (x.outLen() > 0) writeAll(fd, Buffer.from(x.memory.buffer, x.outPtr(), x.outLen()), join(root, file));
      bytes += x.outLen();
      if (more === 0) break;
    }
  } finally {
    closeSync(fd);
  }
  const rows = x.lineCount();
  const defects = Object.fromEntries(kinds.map((k) => [k, { count: 0, keys: [] as string[] }])) as SourceDayTruth['defects'];
  const malformed: { file: string; line: number; key: string }[] = [];
  const truth = new DataView(x.memory.buffer, x.truthPtr(), x.truthLen() * 24);
  const malformedBit = 1 << kinds.indexOf('malformed');
  for (let i = 0; i < x.truthLen(); i++) {
    const k = truth.getBigUint64(i * 24, true);
    const bits = truth.getUint32(i * 24 + 8, true);
    const aux = truth.getBigUint64(i * 24 + 16, true);
    for (let b = 0; b < kinds.length; b++) if (bits & (1 << b)) defects[kinds[b]]!.keys.push(keyOf(kinds[b], k, bits, aux));
    if (bits & malformedBit) malformed.push({ file, line: truth.getUint32(i * 24 + 12, true), key: keyOf('malformed', k, bits, aux) });
  }
  for (const k of kinds) defects[k]!.count = defects[k]!.keys.length;
  defects.malformed!.records = malformed;
  return { format: 'jsonl', files: [file], rows, bytes, defects };
}
