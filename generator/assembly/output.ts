// AssemblyScript, shared by the modules of generator/assembly/ (events.ts, payments.ts): the output
// buffer and the writers of hex ids, decimals, dates and (mixed) timestamps into it; the texts and
// numbers the JS side sets; the sort of a day's records, the writer's broken line and the day's
// truth, as generator/writer.ts makes them.

import { hashBytes, ri } from './duckdbHash';

// ---- text ----

export const HEX: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

/** The lines being written, a growing buffer; `at` is where the next byte goes. */
export let out: usize = 0;
export let outCap: usize = 0;
export let at: usize = 0;

/** Allocates, or reallocates, `ptr` (0 for none yet) to `size` bytes. */
export function grow(ptr: usize, size: usize): usize {
  return ptr == 0 ? heap.alloc(size) : heap.realloc(ptr, size);
}

/** Makes room for `n` more bytes of output. */
export function room(n: usize): void {
  if (at + n <= outCap) return;
  let cap: usize = outCap < 65536 ? 65536 : outCap;
  while (cap < at + n) cap *= 2;
  out = grow(out, cap);
  outCap = cap;
}

// @ts-ignore: decorator
@inline export function byte(c: u32): void {
  store<u8>(out + at, c);
  at++;
}

/** Copies `n` bytes from `src`. */
// @ts-ignore: decorator
@inline export function bytes(src: usize, n: usize): void {
  memory.copy(out + at, src, n);
  at += n;
}

/** The 12 hex digits of a value's low 48 bits (sqlRandom's hexId). */
export function hex48(x: u64): void {
  for (let sh: i32 = 44; sh >= 0; sh -= 4) byte(load<u8>(HEX + <usize>((x >> <u64>sh) & 15)));
}

/** A non-negative integer in decimal, at least `width` digits (zero-padded). */
export function decimal(v: u64, width: i32): void {
  let digits = 1;
  for (let t = v; t >= 10; t /= 10) digits++;
  for (let i = digits; i < width; i++) byte(48);
  const end = at + <usize>digits;
  for (let i = 1; i <= digits; i++) {
    store<u8>(out + end - <usize>i, 48 + <u32>(v % 10));
    v /= 10;
  }
  at = end;
}

/** Two digits of 0..99. */
// @ts-ignore: decorator
@inline export function two(n: u32): void {
  byte(48 + n / 10);
  byte(48 + n % 10);
}

/** The year, month and day of a day number (days since 1970-01-01), by the civil-from-days algorithm. */
export let cy: i32 = 0;
export let cm: i32 = 0;
export let cd: i32 = 0;
export function civil(day: i32): void {
  const z = day + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  cd = doy - (153 * mp + 2) / 5 + 1;
  cm = mp < 10 ? mp + 3 : mp - 9;
  cy = yoe + era * 400 + (cm <= 2 ? 1 : 0);
}

/** `YYYY-MM-DD` of a day number. */
export function date(day: i32): void {
  civil(day);
  decimal(<u64>cy, 4);
  byte(45);
  two(<u32>cm);
  byte(45);
  two(<u32>cd);
}

/** `YYYY-MM-DD<sep>HH:MM:SS` of an absolute second. */
export function time(abs: i64, sep: u32): void {
  const day = <i32>(abs / 86400);
  const s = <u32>(abs - <i64>day * 86400);
  date(day);
  byte(sep);
  two(s / 3600);
  byte(58);
  two((s % 3600) / 60);
  byte(58);
  two(s % 60);
}

// ---- what the JS side sets ----

/** Texts by number: [offset, length] u32 pairs at textIndex into the bytes at textBytes (see setText). */
export let textIndex: usize = 0;
export let textBytes: usize = 0;

/** Text number i. */
// @ts-ignore: decorator
@inline export function text(i: i32): void {
  bytes(textBytes + <usize>load<u32>(textIndex + (<usize>i << 3)), <usize>load<u32>(textIndex + (<usize>i << 3) + 4));
}

/** Where text number i's bytes are. */
// @ts-ignore: decorator
@inline export function textAt(i: i32): usize {
  return textBytes + <usize>load<u32>(textIndex + (<usize>i << 3));
}

/** The length of text number i. */
// @ts-ignore: decorator
@inline export function textLength(i: i32): u32 {
  return load<u32>(textIndex + (<usize>i << 3) + 4);
}

/** Numbers by index (see setConfig). */
export let config: usize = 0;
// @ts-ignore: decorator
@inline export function cfg(i: i32): f64 {
  return load<f64>(config + (<usize>i << 3));
}

/** Reserves memory for the JS side to fill: `n` bytes, returned. */
export function reserve(n: usize): usize {
  return heap.alloc(n);
}

/** Frees what reserve gave. */
export function release(ptr: usize): void {
  heap.free(ptr);
}

/** The texts: `index` holds [offset, length] u32 pairs into `bytes`. */
export function setText(index: usize, bytesPtr: usize): void {
  textIndex = index;
  textBytes = bytesPtr;
}

/** The numbers (f64), their order as CFG in ../eventsWriter.ts. */
export function setConfig(ptr: usize): void {
  config = ptr;
}

// @ts-ignore: decorator
@inline export function listFirst(l: i32): i32 {
  return <i32>cfg(l);
}
// @ts-ignore: decorator
@inline export function listCount(l: i32): u64 {
  return <u64>cfg(l + 1);
}
/** Writes element `i` of list `l`. */
// @ts-ignore: decorator
@inline export function item(l: i32, i: u64): void {
  text(listFirst(l) + <i32>i);
}


/** Text number of element i of list l. */
// @ts-ignore: decorator
@inline export function textOf(l: i32, i: u64): i32 {
  return listFirst(l) + <i32>i;
}

/** An ASCII string's bytes in memory, as (address << 32) | length. */
export function stringBytes(s: string): u64 {
  const p = heap.alloc(<usize>s.length);
  for (let i = 0; i < s.length; i++) store<u8>(p + <usize>i, <u8>s.charCodeAt(i));
  return ((<u64>p) << 32) | <u64>s.length;
}

/** Writes a piece made by stringBytes. */
// @ts-ignore: decorator
@inline export function piece(pc: u64): void {
  bytes(<usize>(pc >> 32), <usize>(pc & 0xffffffff));
}

/** Scratch for hashing an id's text. */
const SCRATCH: usize = memory.data(64);

/** DuckDB's hash of an object id's text: the piece `idPrefix` and hex48(x) (sqlRandom's hexId). */
export function hashId(idPrefix: u64, x: u64): u64 {
  const save = out;
  const saveAt = at;
  out = SCRATCH;
  at = 0;
  piece(idPrefix);
  hex48(x);
  const h = hashBytes(SCRATCH, <u32>at);
  out = save;
  at = saveAt;
  return h;
}

const ZERO_MINUTES = stringBytes(':00');

/**
 * sqlRandom's mixedTs of an absolute second: the canonical UTC time, or, when `mixed`, one of
 * the encodings drawn from the key prefix p and field fMixed (an offset, epoch millis, naive).
 */
export function timestamp(abs: i64, mixed: bool, p: u64, fMixed: u64): void {
  if (!mixed) {
    time(abs, 84);
    byte(90);
    return;
  }
  const variant = ri(p, fMixed, 3);
  const offset = 1 + <i32>ri(p, fMixed + 1, 9);
  if (variant == 0) {
    time(abs + <i64>offset * 3600, 84);
    byte(43);
    decimal(<u64>offset, 2);
    piece(ZERO_MINUTES); // :00
  } else if (variant == 1) decimal(<u64>abs * 1000, 1);
  else time(abs, 32);
}

/** shop/orders' id after its `ord_`: YYMMDD_NNNNNN of the order's day and number. */
export function orderNumber(day: i32, i: i32): void {
  civil(day);
  two(<u32>(cy % 100));
  two(<u32>cm);
  two(<u32>cd);
  byte(95);
  decimal(<u64>i, 6);
}

// ---- a day's file ----

/**
 * The day's truth: per original record with a defect, its key u64, defect bits u32, line u32 and
 * a u64 more (what the module needs to name its other keys), 24 bytes.
 */
let truth: usize = 0;
let truthCap: i32 = 0;
export let truthCount: i32 = 0;
/** Lines written of the day's file. */
export let lines: i32 = 0;

/** Records the next line's truth. */
export function addTruth(k: u64, bits: u32, aux: u64): void {
  if (truthCount == truthCap) {
    truthCap = truthCap < 256 ? 256 : truthCap * 2;
    truth = grow(truth, <usize>truthCap * 24);
  }
  const t = truth + <usize>truthCount * 24;
  store<u64>(t, k);
  store<u32>(t, bits, 8);
  store<u32>(t, <u32>lines + 1, 12);
  store<u64>(t, aux, 16);
  truthCount++;
}

export function outPtr(): usize {
  return out;
}
export function outLen(): usize {
  return at;
}
export function truthPtr(): usize {
  return truth;
}
export function truthLen(): i32 {
  return truthCount;
}
export function lineCount(): i32 {
  return lines;
}

/** Sorts entries [lo, hi) of 16 bytes at `base` by their first u64 (quicksort, insertion sort below 16). */
export function sortEntries(base: usize, lo: i32, hi: i32): void {
  while (hi - lo > 16) {
    const mid = lo + ((hi - lo) >> 1);
    const pivot = load<u64>(base + (<usize>mid << 4));
    let i = lo;
    let j = hi - 1;
    while (i <= j) {
      while (load<u64>(base + (<usize>i << 4)) < pivot) i++;
      while (load<u64>(base + (<usize>j << 4)) > pivot) j--;
      if (i <= j) {
        const a = base + (<usize>i << 4);
        const b = base + (<usize>j << 4);
        const k = load<u64>(a);
        const v = load<u64>(a, 8);
        store<u64>(a, load<u64>(b));
        store<u64>(a, load<u64>(b, 8), 8);
        store<u64>(b, k);
        store<u64>(b, v, 8);
        i++;
        j--;
      }
    }
    // the smaller side first, by recursion; the larger by the loop
    if (j + 1 - lo < hi - i) {
      sortEntries(base, lo, j + 1);
      lo = i;
    } else {
      sortEntries(base, i, hi);
      hi = j + 1;
    }
  }
  for (let i = lo + 1; i < hi; i++) {
    const k = load<u64>(base + (<usize>i << 4));
    const v = load<u64>(base + (<usize>i << 4), 8);
    let j = i - 1;
    while (j >= lo && load<u64>(base + (<usize>j << 4)) > k) {
      store<u64>(base + (<usize>(j + 1) << 4), load<u64>(base + (<usize>j << 4)));
      store<u64>(base + (<usize>(j + 1) << 4), load<u64>(base + (<usize>j << 4), 8), 8);
      j--;
    }
    store<u64>(base + (<usize>(j + 1) << 4), k);
    store<u64>(base + (<usize>(j + 1) << 4), v, 8);
  }
}

/** writer.ts's broken line, as its length: cut one character into the last string value that starts before its middle. */
export function truncated(line: usize, len: u32): u32 {
  const half: u32 = len / 2 > 1 ? len / 2 : 1;
  for (let i = <i32>half - 3; i >= 0; i--) {
    if (load<u8>(line + <usize>i) == 34 && load<u8>(line + <usize>i + 1) == 58 && load<u8>(line + <usize>i + 2) == 34) return <u32>i + 4;
  }
  return half;
}
