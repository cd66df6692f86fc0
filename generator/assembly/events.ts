// AssemblyScript (compiled to generator/assembly/events.wasm by `npm run build:wasm`), not
// TypeScript: product/events' records and JSON lines, byte for byte what the SQL of
// generator/sources/events.ts and generator/writer.ts give, for ../eventsWriter.ts, which feeds it
// and writes the files. DuckDB's hash() is reproduced exactly (64-bit MurmurHash64 of integers, its
// 8-bytes-at-a-time hash of strings, and its combination of several arguments), so every draw is
// the SQL's. Lists of names and numeric settings come from the JS side (setText, setConfig), so
// that events.ts stays their one definition.

import { chance, hash2, hash3, hash4, keyPrefix, murmur, prefix, ri, uni } from './duckdbHash';
import {
  addTruth, at, byte, bytes, cfg, decimal, grow, hashId, hex48, item, lines, listCount, listFirst, orderNumber, out, outCap,
  piece, room, sortEntries, stringBytes, text, textOf, timestamp, truncated, truthCount,
} from './output';
import { secondOfDay, startTimeOfDay, timeDraw } from './timeOfDay';
export { lineCount, outLen, outPtr, release, reserve, setConfig, setText, truthLen, truthPtr } from './output';

// configuration slots (the JS side's CFG)
const SEED = 0;
const LATE = 1;
const NULLED = 2;
const ORPHAN = 3;
const INVALID = 4;
const PII = 5;
const MIXED = 6;
const FUTURE = 7;
const DUPLICATE = 8;
const MALFORMED = 9;
const MAX_LAG = 10;
const DRIFT_DAY = 11;
const ZIPF_K = 12;
const SESSION_EVENTS = 13;
const CART_ABANDONED = 14;
const OWN_CHANNEL_TOUCH = 15;
const CAMPAIGNS = 16;
const REACH = 17; // 3 slots
const ORD_TOUCH = 20;
const ORD_SIGNUP = 21;
const ORD_ACTIVATION = 22;
const ORD_CHECKOUT = 23;
const ORD_BROWSE = 24;
const ORD_LANDING = 25;
const CHANNELS = 26; // the number of channels
// F fields
const F_LATE = 27;
const F_LAG = 28;
const F_CUSTOMER = 29;
const F_SEC = 30;
const F_NULL = 31;
const F_ORPHAN = 32;
const F_INVALID = 33;
const F_FUTURE = 34;
const F_FUTURE_DAYS = 35;
const F_MIXED = 36;
const F_CHANNEL = 37;
const F_KIND = 38;
const F_PAGE = 39;
const F_PII = 40;
const F_PII_KIND = 41;
const F_ANON = 42;
const F_TOUCHES = 43;
const F_TOUCH_DAY = 44;
const F_ACTIVATION = 45;
const F_DUP = 46;
const F_MALFORMED = 47;
const F_LEN = 48;
const F_FEATURE = 49;
const F_TYPE = 50;
const ANON_IDS = 51;
const FOUNDED = 52; // the founding day: no touch comes before it
const TOUCH_WINDOW = 53;
const REACH_OTHER = 54; // 3 slots: REACH is of accounts whose trial converts, this of the others
const ACTIVATION_WAIT = 57;
const F_ZONE = 58;
const ACTIVATION_MIN_WAIT = 59;
const BROWSE_VIEWS = 84; // 3 slots: the chance of at least 1, 2 and 3 further views of a browsing session
const BROWSE_EVENTS = 87; // the stride of a browsing session's ordinals
const SIGNUP_REACH = 88; // sources/events.ts's SIGNUP_REACH_DAYS

// lists of texts, as (first text, count) in config slots (the JS side's LISTS)
const L_SITE = 60;
const L_APP = 62;
const L_FEATURES = 64;
const L_LANDING = 66;
const L_ENTRY = 68;
const L_DOMAINS = 70;
const L_CHANNEL_IDS = 72;
const L_UTM = 74; // `,"utm_source":"…","utm_medium":"…"` of each channel
const L_CUSTOMER_IDS = 76;
const L_TYPES = 78; // page_view, feature_used, checkout_completed, signed_up, activation_step_completed
const L_PAGES = 80; // /marketplace/cart, /marketplace/checkout, /signup, /app/onboarding
const L_BROWSE = 82; // the pages of a browsing session's further views
const CHANNEL_THRESHOLDS = 100; // CHANNELS slots: the channels' cumulative weight shares
const PAID = 120; // CHANNELS slots: 1 for a paid channel
const HOUR_WEIGHTS = 130; // 24 slots: timeOfDay.ts's HOUR_WEIGHTS, slots of the local day's hours
const VISITORS = 154; // the number of VISITOR_OFFSETS
const VISITOR_OFFSETS = 160; // VISITORS slots: timeOfDay.ts's VISITOR_OFFSETS, in seconds

// ---- customers (setCustomers) ----

let custCount: i32 = 0;
/**
 * Per customer, ACCOUNT_FIELDS i32 (the JS side's): signup day, signup second, is initial, channel
 * index, campaign (-1 none), converts, offset from UTC in seconds.
 */
let custData: usize = 0;
const ACCOUNT_FIELDS: usize = 7;
const C_UTC_OFFSET = 6;
/** Per customer: its device's anonymous id value and the prefix of hash(id, ...), once drawn. */
let devices: usize = 0;

export function setCustomers(n: i32, data: usize): void {
  custCount = n;
  custData = data;
  devices = heap.alloc(<usize>n * 17);
  memory.fill(devices, 0, <usize>n * 17);
}

// @ts-ignore: decorator
@inline function cust(n: i32, field: i32): i32 {
  return load<i32>(custData + ((<usize>n * ACCOUNT_FIELDS + <usize>field) << 2));
}

/**
 * The days each customer may use the app on (access.ts's packedAccess): per customer the index of
 * its first window, then their count, then each window's first day and the day after its last.
 */
let custAccess: usize = 0;

export function setAccess(data: usize): void {
  custAccess = data;
}

/** Whether customer n may use the app on `day`: one of its few windows (at most one a subscription) holds it. */
function hasAccess(n: i32, day: i32): bool {
  const windows = custAccess + ((<usize>custCount + 1) << 2);
  const end = load<i32>(custAccess + ((<usize>n + 1) << 2));
  for (let w = load<i32>(custAccess + (<usize>n << 2)); w < end; w++) {
    const win = windows + (<usize>w << 3);
    if (day < load<i32>(win)) return false; // in day order: the later ones start later still
    if (day < load<i32>(win, 4)) return true;
  }
  return false;
}

// ---- records ----

/**
 * A record: k u64 @0, abs u32 @8 (absolute second), ord u32 @12, arrival i32 @16, bits u32 @20,
 * line address u32 @24 and length u32 @28 (in one of its slot's chunks of lines).
 */
const REC: usize = 32;

/**
 * A slot per event day, ring of max_lag + 1: its records, and its lines in chunks of at most
 * CHUNK_MAX bytes (an allocation is at most 1 GB, and a day of events at --scale 100 is more).
 */
let slots: i32 = 0;
let slotRecs: usize = 0; // per slot: pointer, count, capacity (u32 each, pointer as u32)
let slotLines: usize = 0; // per slot: its chunks' list (pairs of address and size), their count, the list's capacity
let slotUsed: usize = 0; // per slot: the bytes used in its last chunk (u32)
let slotDay: usize = 0; // per slot: the event day it holds (i32), or -1
let CHUNK_MAX: usize = 64 << 20;

/** Frees slot s's chunks of lines and empties its list. */
function freeChunks(s: i32): void {
  const list = <usize>u32At(slotLines, s, 0);
  const n = <i32>u32At(slotLines, s, 1);
  for (let i = 0; i < n; i++) heap.free(<usize>load<u32>(list + (<usize>i << 3)));
  setU32(slotLines, s, 1, 0);
  store<u32>(slotUsed + (<usize>s << 2), 0);
}

/**
 * Points the output (out, at, outCap) at slot s's last chunk of lines with `n` bytes free in it,
 * starting a new chunk (twice the last one's size, up to CHUNK_MAX) when it has fewer.
 */
function lineRoom(s: i32, n: usize): void {
  let list = <usize>u32At(slotLines, s, 0);
  let count = u32At(slotLines, s, 1);
  if (count > 0) {
    const last = list + (<usize>(count - 1) << 3);
    out = <usize>load<u32>(last);
    outCap = <usize>load<u32>(last, 4);
    at = <usize>load<u32>(slotUsed + (<usize>s << 2));
    if (at + n <= outCap) return;
  }
  let size: usize = count > 0 ? outCap * 2 : 65536;
  if (size > CHUNK_MAX) size = CHUNK_MAX;
  if (size < n) size = n;
  const cap = u32At(slotLines, s, 2);
  if (count == cap) {
    const grown: u32 = cap < 16 ? 16 : cap * 2;
    list = grow(list, <usize>grown << 3);
    setU32(slotLines, s, 0, <u32>list);
    setU32(slotLines, s, 2, grown);
  }
  out = heap.alloc(size);
  outCap = size;
  at = 0;
  store<u32>(list + (<usize>count << 3), <u32>out);
  store<u32>(list + (<usize>count << 3), <u32>size, 4);
  setU32(slotLines, s, 1, count + 1);
}

function slotOf(day: i32): i32 {
  return day % slots;
}

// @ts-ignore: decorator
@inline function u32At(base: usize, slot: i32, i: i32): u32 {
  return load<u32>(base + ((<usize>slot * 3 + <usize>i) << 2));
}
// @ts-ignore: decorator
@inline function setU32(base: usize, slot: i32, i: i32, v: u32): void {
  store<u32>(base + ((<usize>slot * 3 + <usize>i) << 2), v);
}

/**
 * Starts a writer: `lag` is max_lag_days; `piece` and `chunk`, when not 0, replace OUT_PIECE and
 * CHUNK_MAX (tests make them small, to cross them).
 */
export function start(lag: i32, piece: usize, chunk: usize): void {
  slots = lag + 1;
  if (piece != 0) OUT_PIECE = piece;
  if (chunk != 0) CHUNK_MAX = chunk;
  slotRecs = heap.alloc(<usize>slots * 12);
  slotLines = heap.alloc(<usize>slots * 12);
  slotUsed = heap.alloc(<usize>slots * 4);
  slotDay = heap.alloc(<usize>slots * 4);
  memory.fill(slotRecs, 0, <usize>slots * 12);
  memory.fill(slotLines, 0, <usize>slots * 12);
  memory.fill(slotUsed, 0, <usize>slots * 4);
  for (let s = 0; s < slots; s++) store<i32>(slotDay + (<usize>s << 2), -1);
  startTimeOfDay(HOUR_WEIGHTS);
}

// ---- time of day (./timeOfDay.ts) ----

/** events.ts's sessionStart: secondOfDay scaled into the day's first 85,500 seconds. */
function sessionStart(draw: u64, offset: i32): i32 {
  return secondOfDay(draw, offset) * 95 / 96;
}

/** The slot being filled (the event day being generated), and the batch's arrival range. */
let cur: i32 = 0;
let fromDay: i32 = 0;
let toDay: i32 = 0;
let more: bool = false;

/** Begins event day `day` of a batch of arrival days [from, to] (`more`: a later batch follows). */
export function beginDay(day: i32, from: i32, to: i32, keepLater: bool): void {
  cur = slotOf(day);
  if (load<i32>(slotDay + (<usize>cur << 2)) != day) {
    store<i32>(slotDay + (<usize>cur << 2), day);
    setU32(slotRecs, cur, 1, 0);
    freeChunks(cur);
  }
  fromDay = from;
  toDay = to;
  more = keepLater;
}

// ---- the event being finished ----

let eDay: i32 = 0;
let eSec: i32 = 0;
let eK: u64 = 0;
let eOrd: u32 = 0;
let eSes: i64 = 0;
/** The account's customer number, or -1. */
let eAccount: i32 = -1;
/** The anonymous id's value and the prefix of hash(id, ...). */
let eAnon: u64 = 0;
let eAnonP: u64 = 0;
/** Texts by index, or -1. */
let eType: i32 = 0;
let ePage: i32 = 0;
let eChannel: i32 = -1;
let eCampaign: i32 = -1;
let eFeature: i32 = -1;
let eStep: i32 = 0;
/** The order's text (id) and amount's text, or -1. */
let eOrder: i32 = -1;
let eAmountPtr: usize = 0;
let eAmountLen: u32 = 0;

/** The anonymous id `anon_` + hex48(x) and the prefix of hash(id, ...). */
function anonymous(x: u64): void {
  eAnon = x;
  eAnonP = prefix(hashId(ANON_PREFIX, x));
}
const ANON_PREFIX = stringBytes('anon_');
const EVT_PREFIX = stringBytes('evt_');

/** Customer n's device (events.ts's deviceOf). */
function device(n: i32): void {
  const d = devices + <usize>n * 17;
  if (load<u8>(d + 16) == 0) {
    anonymous(hash2(<u64>cfg(SEED), <u64>n) & 0xffffffffffff);
    store<u64>(d, eAnon);
    store<u64>(d + 8, eAnonP);
    store<u8>(d + 16, 1);
    return;
  }
  eAnon = load<u64>(d);
  eAnonP = load<u64>(d + 8);
}

/** A visitor drawn from the key prefix p (events.ts's visitorOf). */
function visitor(p: u64): void {
  anonymous(ri(p, <u64>cfg(F_ANON), <u64>cfg(ANON_IDS)));
}

/** sqlRandom's zipfRank: the customer the key prefix p picks among the `pool` of the day. */
function zipf(p: u64, pool: i32, lo: f64): i32 {
  const k = cfg(ZIPF_K);
  const r = Math.floor(<f64>(pool + 1) * Math.pow(lo + (1 - lo) * uni(p, <u64>cfg(F_CUSTOMER)), k) - 1);
  const rank = <i32>(r > 0 ? r : 0);
  return rank < pool - 1 ? rank : pool - 1;
}

const B_LATE: u32 = 1;
const B_NULL: u32 = 2;
const B_ORPHAN: u32 = 4;
const B_INVALID: u32 = 8;
const B_PII: u32 = 16;
const B_MIXED: u32 = 32;
const B_FUTURE: u32 = 64;
const B_DUP: u32 = 128;
const B_MALFORMED: u32 = 256;

/**
 * Draws the event's defects and arrival (events.ts's `flagged` and `rows`) and, when it arrives in
 * the batch (or after it, when a later batch follows), writes its line into its day's slot with
 * the writer's replay and broken-line draws.
 */
function finish(): void {
  const p = keyPrefix(eK);
  const late = chance(p, <u64>cfg(F_LATE), cfg(LATE));
  const nulled = chance(p, <u64>cfg(F_NULL), cfg(NULLED));
  const hidden = cfg(NULLED) > 0 && nulled;
  const orphan = chance(p, <u64>cfg(F_ORPHAN), cfg(ORPHAN)) && !hidden && eAccount >= 0;
  const invalid = chance(p, <u64>cfg(F_INVALID), cfg(INVALID)) && !hidden;
  const pii = chance(p, <u64>cfg(F_PII), cfg(PII));
  const mixed = chance(p, <u64>cfg(F_MIXED), cfg(MIXED));
  const future = chance(p, <u64>cfg(F_FUTURE), cfg(FUTURE)) && !(cfg(LATE) > 0 && late);
  let lag = 0;
  if (late) {
    const v = uni(p, <u64>cfg(F_LAG));
    lag = 1 + <i32>Math.floor(v * v * cfg(MAX_LAG));
  }
  const arrival = eDay + lag;
  if (arrival < fromDay || (!more && arrival > toDay)) return;

  // the line goes into the slot's lines
  const saveOut = out;
  const saveCap = outCap;
  const saveAt = at;
  lineRoom(cur, 2048);
  const begin = at;

  const abs: i64 = future ? <i64>(arrival + 1 + <i32>ri(p, <u64>cfg(F_FUTURE_DAYS), 20)) * 86400 + eSec : <i64>eDay * 86400 + eSec;
  piece(LINE_1); // {"event_id":"evt_
  hex48(eK);
  if (nulled) piece(LINE_NULL_TYPE); // ","event_type":null,"occurred_at":"
  else {
    piece(LINE_TYPE); // ","event_type":"
    const typeAt = at;
    text(eType);
    if (invalid) store<u8>(out + typeAt, load<u8>(out + typeAt) - 32);
    piece(LINE_OCCURRED); // ","occurred_at":"
  }
  timestamp(abs, mixed, p, <u64>cfg(F_MIXED));
  piece(LINE_ANON); // ","anonymous_id":"anon_
  hex48(eAnon);
  if (orphan) {
    piece(LINE_ORPHAN); // ","account_id":"cus_9
    decimal(ri(p, <u64>cfg(F_ORPHAN) + 1, 10000000), 7);
  } else if (eAccount >= 0) {
    piece(LINE_ACCOUNT); // ","account_id":"
    item(L_CUSTOMER_IDS, <u64>eAccount);
  }
  piece(LINE_SESSION); // ","session_id":"ses_
  hex48(eAnonP ^ murmur(<u64>(eSes / 1800)));
  if (arrival >= <i32>cfg(DRIFT_DAY)) piece(LINE_PATH); // ","properties":{"path":"
  else piece(LINE_PAGE_PATH); // ","properties":{"page_path":"
  text(ePage);
  byte(34);
  if (eChannel >= 0) item(L_UTM, <u64>eChannel);
  if (eCampaign >= 0) {
    piece(LINE_CAMPAIGN); // ,"utm_campaign":"
    item(L_CHANNEL_IDS, <u64>eChannel);
    byte(95);
    decimal(<u64>eCampaign, 1);
    byte(34);
  }
  if (eFeature >= 0) {
    piece(LINE_FEATURE); // ,"feature":"
    text(eFeature);
    byte(34);
  }
  if (eStep != 0) {
    piece(LINE_STEP); // ,"step":
    decimal(<u64>eStep, 1);
  }
  if (eOrder >= 0) {
    // shop/orders' id: ord_YYMMDD_NNNNNN of the order's day and number
    piece(LINE_ORDER); // ,"order_id":"ord_
    orderNumber(eDay, eOrder);
    byte(34);
    piece(LINE_AMOUNT); // ,"amount":
    bytes(eAmountPtr, <usize>eAmountLen);
  }
  if (pii) {
    piece(LINE_NOTE); // ,"note":"
    if (ri(p, <u64>cfg(F_PII_KIND), 2) == 0) {
      piece(NOTE_EMAIL); // please contact me at
      if (eAccount < 0) {
        piece(NOTE_VISITOR); // visitor
        decimal(ri(p, <u64>cfg(F_PII_KIND) + 1, 999), 1);
      } else {
        // lower(account_id): ids are lower case but for their letters, which are
        const idAt = at;
        item(L_CUSTOMER_IDS, <u64>eAccount);
        for (let i = idAt; i < at; i++) {
          const c = load<u8>(out + i);
          if (c >= 65 && c <= 90) store<u8>(out + i, c + 32);
        }
      }
      byte(64);
      item(L_DOMAINS, ri(p, <u64>cfg(F_PII_KIND) + 2, listCount(L_DOMAINS)));
      piece(NOTE_BILLING); // " about billing
    } else {
      piece(NOTE_PHONE); // call me back on +44 20 7946
      decimal(ri(p, <u64>cfg(F_PII_KIND) + 3, 10000), 4);
    }
    byte(34);
  }
  byte(125);
  byte(125);

  // the writer's draws, of rk = hash(seed, rkey)
  const pr = keyPrefix(prefix(murmur(<u64>cfg(SEED))) ^ hashId(EVT_PREFIX, eK));
  let bits: u32 = 0;
  if (late) bits |= B_LATE;
  if (nulled) bits |= B_NULL;
  if (orphan) bits |= B_ORPHAN;
  if (invalid) bits |= B_INVALID;
  if (pii) bits |= B_PII;
  if (mixed) bits |= B_MIXED;
  if (future) bits |= B_FUTURE;
  if (chance(pr, <u64>cfg(F_DUP), cfg(DUPLICATE))) bits |= B_DUP;
  if (chance(pr, <u64>cfg(F_MALFORMED), cfg(MALFORMED))) bits |= B_MALFORMED;

  // the slot's lines and records
  store<u32>(slotUsed + (<usize>cur << 2), <u32>at);
  let recs = <usize>u32At(slotRecs, cur, 0);
  const count = u32At(slotRecs, cur, 1);
  let cap = u32At(slotRecs, cur, 2);
  if (count == cap) {
    cap = cap < 1024 ? 1024 : cap * 2;
    recs = grow(recs, <usize>cap * REC);
    setU32(slotRecs, cur, 0, <u32>recs);
    setU32(slotRecs, cur, 2, cap);
  }
  const r = recs + <usize>count * REC;
  store<u64>(r, eK);
  store<u32>(r, <u32>(<i64>eDay * 86400 + eSec), 8);
  store<u32>(r, eOrd, 12);
  store<i32>(r, arrival, 16);
  store<u32>(r, bits, 20);
  store<u32>(r, <u32>(out + begin), 24);
  store<u32>(r, <u32>(at - begin), 28);
  setU32(slotRecs, cur, 1, count + 1);
  out = saveOut;
  outCap = saveCap;
  at = saveAt;
}

// the fixed pieces of a line
const LINE_1 = stringBytes('{"event_id":"evt_');
const LINE_NULL_TYPE = stringBytes('","event_type":null,"occurred_at":"');
const LINE_TYPE = stringBytes('","event_type":"');
const LINE_OCCURRED = stringBytes('","occurred_at":"');
const LINE_ANON = stringBytes('","anonymous_id":"anon_');
const LINE_ORPHAN = stringBytes('","account_id":"cus_9');
const LINE_ACCOUNT = stringBytes('","account_id":"');
const LINE_SESSION = stringBytes('","session_id":"ses_');
const LINE_PATH = stringBytes('","properties":{"path":"');
const LINE_PAGE_PATH = stringBytes('","properties":{"page_path":"');
const LINE_CAMPAIGN = stringBytes(',"utm_campaign":"');
const LINE_FEATURE = stringBytes(',"feature":"');
const LINE_STEP = stringBytes(',"step":');
const LINE_ORDER = stringBytes(',"order_id":"ord_');
const LINE_AMOUNT = stringBytes(',"amount":');
const LINE_NOTE = stringBytes(',"note":"');
const NOTE_EMAIL = stringBytes('please contact me at ');
const NOTE_VISITOR = stringBytes('visitor');
const NOTE_BILLING = stringBytes(' about billing');
const NOTE_PHONE = stringBytes('call me back on +44 20 7946 ');

// ---- the events of a day (events.ts's CTEs) ----

/** Clears the event's optional parts. */
function plain(): void {
  eChannel = -1;
  eCampaign = -1;
  eFeature = -1;
  eStep = 0;
  eOrder = -1;
}

/**
 * Site and app sessions of 1..SESSION_EVENTS events (`bg`, `bgrows`): `count` sessions; an
 * account's visits the site on a day it may not use the app (hasAccess).
 */
export function background(day: i32, count: i32, pool: i32, zipfLo: f64): void {
  // a day with no account has no session: the SQL joins one to every session, a visitor's too
  if (pool <= 0) return;
  const byDay = prefix(hash3(<u64>cfg(SEED), 6, <u64>day));
  const fSec = <u64>cfg(F_SEC);
  for (let i = 0; i < count; i++) {
    const p = keyPrefix(byDay ^ murmur(<u64>i));
    const anon = uni(p, <u64>cfg(F_KIND)) < 0.6;
    // a visitor's session too is in the hours of the account the key picks (as the SQL's, which joins one to every session)
    const c = zipf(p, pool, zipfLo);
    // a visitor's, or an account's on a day it may not use the app, which visits the public site
    const site = anon || !hasAccess(c, day);
    const start = sessionStart(ri(p, fSec, timeDraw), cust(c, C_UTC_OFFSET));
    if (anon) visitor(p);
    else device(c);
    const len = 1 + <i32>ri(p, <u64>cfg(F_LEN), <u64>cfg(SESSION_EVENTS));
    for (let j = 0; j < len; j++) {
      const k = p ^ murmur(<u64>j);
      const pe = keyPrefix(k);
      const typed = site || uni(pe, <u64>cfg(F_TYPE)) < 0.5;
      eDay = day;
      eSec = start + j * 120 + <i32>ri(pe, fSec, 100);
      eK = k;
      eOrd = <u32>(i * 8 + j);
      eSes = <i64>day * 86400 + start;
      eAccount = anon ? -1 : c;
      eType = textOf(L_TYPES, typed ? 0 : 1);
      ePage = site ? textOf(L_SITE, ri(pe, <u64>cfg(F_PAGE), listCount(L_SITE))) : textOf(L_APP, ri(pe, <u64>cfg(F_PAGE), listCount(L_APP)));
      plain();
      if (!typed) eFeature = textOf(L_FEATURES, ri(pe, <u64>cfg(F_FEATURE), listCount(L_FEATURES)));
      finish();
    }
  }
}

/**
 * Marketplace sessions that buy nothing (`browse`): `count` sessions, each an entry, 0 to 3
 * further views (by one draw) and, for some, the cart.
 */
export function browsing(day: i32, count: i32, pool: i32, zipfLo: f64): void {
  if (pool <= 0) return; // as background's
  const byDay = prefix(hash3(<u64>cfg(SEED), 10, <u64>day));
  const fSec = <u64>cfg(F_SEC);
  const fPage = <u64>cfg(F_PAGE);
  const stride = <i32>cfg(BROWSE_EVENTS);
  for (let i = 0; i < count; i++) {
    const p = keyPrefix(byDay ^ murmur(<u64>i));
    const c = zipf(p, pool, zipfLo);
    const start = sessionStart(ri(p, fSec, timeDraw), cust(c, C_UTC_OFFSET));
    const v = uni(p, <u64>cfg(F_LEN));
    let more = 0;
    // entry, further views, cart: BROWSE_EVENTS is the views' count + 2
    for (let m = 0; m < stride - 2; m++) if (v < cfg(BROWSE_VIEWS + m)) more++;
    const len = 1 + more + (uni(p, <u64>cfg(F_KIND)) < cfg(CART_ABANDONED) ? 1 : 0);
    const entry = textOf(L_ENTRY, ri(p, fPage, listCount(L_ENTRY)));
    device(c);
    for (let j = 0; j < len; j++) {
      const k = p ^ murmur(<u64>j);
      const pe = keyPrefix(k);
      eDay = day;
      eSec = start + j * 120 + <i32>ri(pe, fSec, 100);
      eK = k;
      eOrd = <u32>(<i32>cfg(ORD_BROWSE) + i * stride + j);
      eSes = <i64>day * 86400 + start;
      eAccount = c;
      eType = textOf(L_TYPES, 0);
      ePage = j == 0 ? entry : j <= more ? textOf(L_BROWSE, ri(pe, fPage, listCount(L_BROWSE))) : textOf(L_PAGES, 0);
      plain();
      finish();
    }
  }
}

/** An ad's clicks that land as tagged page views (`landings`); `k` is the ad's key. */
export function landings(day: i32, channel: i32, campaign: i32, k: u64, landed: i32, before: i32): void {
  const pa = keyPrefix(k);
  for (let i = 0; i < landed; i++) {
    const lk = pa ^ murmur(<u64>i);
    const p = keyPrefix(lk);
    const sec = secondOfDay(ri(p, <u64>cfg(F_SEC), timeDraw), <i32>cfg(VISITOR_OFFSETS + <i32>ri(p, <u64>cfg(F_ZONE), <u64>cfg(VISITORS))));
    eDay = day;
    eSec = sec;
    eK = lk;
    eOrd = <u32>(<i32>cfg(ORD_LANDING) + before + i);
    eSes = <i64>day * 86400 + sec;
    eAccount = -1;
    visitor(p);
    eType = textOf(L_TYPES, 0);
    ePage = textOf(L_LANDING, ri(p, <u64>cfg(F_PAGE), listCount(L_LANDING)));
    plain();
    eChannel = channel;
    eCampaign = campaign;
    finish();
  }
}

/**
 * Order i of the day's session (a web or app order): entry, cart and checkout (`checkout`), the
 * checkout at second `done` of the day (events.ts's checkoutSecSql); its total's text is at
 * amountPtr. An unpaid order's (every charge declined) checkout is not completed: a view of the
 * checkout page, with no order or amount.
 */
export function checkout(day: i32, i: i32, n: i32, done: i32, amountPtr: usize, amountLen: u32, unpaid: i32): void {
  const k = hash4(<u64>cfg(SEED), 3, <u64>day, <u64>i);
  const p = keyPrefix(k);
  const fSec = <u64>cfg(F_SEC);
  const sec = secondOfDay(ri(p, fSec, timeDraw), cust(n, C_UTC_OFFSET));
  const cartSec = sec - <i32>ri(keyPrefix(p ^ murmur(10)), fSec, <u64>(sec < 300 ? sec : 300) + 1);
  const p12 = keyPrefix(p ^ murmur(12));
  device(n);
  for (let j = 0; j < 3; j++) {
    eK = p ^ murmur(<u64>(9 + j));
    eDay = day;
    eSec = j == 0 ? done : j == 1 ? cartSec : cartSec - <i32>ri(p12, fSec, <u64>(cartSec < 600 ? cartSec : 600) + 1);
    eOrd = <u32>(<i32>cfg(ORD_CHECKOUT) + i * 4 + j);
    eSes = <i64>day * 86400 + sec;
    eAccount = n;
    eType = textOf(L_TYPES, j == 0 && unpaid == 0 ? 2 : 0);
    ePage = j == 0 ? textOf(L_PAGES, 1) : j == 1 ? textOf(L_PAGES, 0) : textOf(L_ENTRY, ri(p12, <u64>cfg(F_PAGE), listCount(L_ENTRY)));
    plain();
    if (j == 0 && unpaid == 0) {
      eOrder = i;
      eAmountPtr = amountPtr;
      eAmountLen = amountLen;
    }
    finish();
  }
}

/**
 * New accounts' events of a batch (`touches`, `signups`, `activation`), kept until their day, 56
 * bytes each: day i32 @0, sec i32 @4, k u64 @8, ord i32 @16, step i32 @20, ses i64 @24, account
 * i32 @32 (-1 for none), n i32 @36 (whose device), type @40, page @44, channel @48 and campaign @52
 * (i32 each, -1 for none).
 */
let pending: usize = 0;
let pendingCount: i32 = 0;
let pendingCap: i32 = 0;
const PENDING: usize = 56;

function pend(day: i32, sec: i32, k: u64, ord: i32, ses: i64, account: i32, n: i32, type: i32, page: i32, channel: i32, campaign: i32, step: i32): void {
  if (pendingCount == pendingCap) {
    pendingCap = pendingCap < 1024 ? 1024 : pendingCap * 2;
    pending = grow(pending, <usize>pendingCap * PENDING);
  }
  const r = pending + <usize>pendingCount * PENDING;
  store<i32>(r, day);
  store<i32>(r, sec, 4);
  store<u64>(r, k, 8);
  store<i32>(r, ord, 16);
  store<i32>(r, step, 20);
  store<i64>(r, ses, 24);
  store<i32>(r, account, 32);
  store<i32>(r, n, 36);
  store<i32>(r, type, 40);
  store<i32>(r, page, 44);
  store<i32>(r, channel, 48);
  store<i32>(r, campaign, 52);
  pendingCount++;
}

/**
 * Draws the events of the new accounts that signed up in [lo - SIGNUP_REACH, to + SIGNUP_REACH]
 * (days) whose day is in [lo, to], and keeps them for their day (see accountsOn).
 */
export function accounts(lo: i32, to: i32): void {
  pendingCount = 0;
  const seed = <u64>cfg(SEED);
  const fChannel = <u64>cfg(F_CHANNEL);
  const channels = <i32>cfg(CHANNELS);
  const reach = <i32>cfg(SIGNUP_REACH);
  for (let n = 0; n < custCount; n++) {
    const signupDay = cust(n, 0);
    if (cust(n, 2) != 0 || signupDay < lo - reach || signupDay > to + reach) continue;
    const signupSec = cust(n, 1);
    const channel = cust(n, 3);
    const campaign = cust(n, 4);
    const pn = keyPrefix(murmur(<u64>n));
    const touches = 1 + <i32>ri(pn, <u64>cfg(F_TOUCHES), 3);
    // the touches' window, cut at the founding day's first second
    const sinceFounded = <i64>signupDay * 86400 + signupSec - <i64>cfg(FOUNDED) * 86400 - 59;
    const span = <i64>cfg(TOUCH_WINDOW) < sinceFounded ? <i64>cfg(TOUCH_WINDOW) : (sinceFounded > 1 ? sinceFounded : 1);
    for (let t = 0; t < touches; t++) {
      const pt = keyPrefix(hash2(<u64>n, <u64>t));
      const abs = <i64>signupDay * 86400 + signupSec - 60 - <i64>ri(pt, <u64>cfg(F_TOUCH_DAY), <u64>span);
      const elsewhere = t > 0 && uni(keyPrefix(hash3(<u64>n, <u64>t, 1)), fChannel) < 1 - cfg(OWN_CHANNEL_TOUCH);
      let ch = channel;
      let cp = campaign;
      if (elsewhere) {
        const v = uni(keyPrefix(hash3(<u64>n, <u64>t, 2)), fChannel);
        ch = channels - 1;
        for (let x = 0; x < channels - 1; x++) {
          if (v < cfg(CHANNEL_THRESHOLDS + x)) {
            ch = x;
            break;
          }
        }
        cp = cfg(PAID + ch) != 0 ? <i32>ri(keyPrefix(hash3(<u64>n, <u64>t, 3)), fChannel, <u64>cfg(CAMPAIGNS)) : -1;
      }
      // its day drawn in the window, its time of day in the account's business hours (events.ts's touchDaySql)
      let day = <i32>(abs / 86400);
      const sec = secondOfDay(ri(pt, <u64>cfg(F_SEC), timeDraw), cust(n, C_UTC_OFFSET));
      if (day == signupDay && sec > signupSec - 60) day--;
      if (day >= lo && day <= to) {
        pend(day, sec, hash4(seed, 7, <u64>n, <u64>t), <i32>cfg(ORD_TOUCH) + n * 8 + t, <i64>day * 86400 + sec, -1, n,
          textOf(L_TYPES, 0), textOf(L_LANDING, ri(pt, <u64>cfg(F_PAGE), listCount(L_LANDING))), ch, cp, 0);
      }
    }
    if (signupDay >= lo && signupDay <= to) {
      pend(signupDay, signupSec, hash3(seed, 8, <u64>n), <i32>cfg(ORD_SIGNUP) + n, <i64>signupDay * 86400 + signupSec, n, n,
        textOf(L_TYPES, 3), textOf(L_PAGES, 2), channel, campaign, 0);
    }
    const reach = uni(pn, <u64>cfg(F_ACTIVATION));
    const reachAt = cust(n, 5) != 0 ? REACH : REACH_OTHER;
    // each step on the day a wait after the one before (or the signup) ends (ACTIVATION_MIN_WAIT plus
    // up to ACTIVATION_WAIT, skewed short), at its own time of the account's business hours; the
    // next day at that time when it would not come ACTIVATION_MIN_WAIT after the one before
    // (events.ts's activationStepSql)
    const minWait = <i64>cfg(ACTIVATION_MIN_WAIT);
    let at = <i64>signupDay * 86400 + signupSec;
    for (let st = 1; st <= 3; st++) {
      const x = uni(pn, <u64>cfg(F_ACTIVATION) + 100 + <u64>st);
      const ends = at + minWait + <i64>Math.floor(x * x * x * cfg(ACTIVATION_WAIT));
      let next = ends / 86400 * 86400 + <i64>secondOfDay(ri(pn, <u64>cfg(F_ACTIVATION) + 200 + <u64>st, timeDraw), cust(n, C_UTC_OFFSET));
      if (next < at + minWait) next += 86400;
      at = next;
      if (!(reach < cfg(reachAt + st - 1))) continue;
      const day = <i32>(at / 86400);
      const sec = <i32>(at - <i64>day * 86400);
      if (day >= lo && day <= to) {
        pend(day, sec, hash4(seed, 9, <u64>n, <u64>st), <i32>cfg(ORD_ACTIVATION) + n * 4 + st, <i64>day * 86400 + sec, n, n,
          textOf(L_TYPES, 4), textOf(L_PAGES, 3), -1, -1, st);
      }
    }
  }
}

/** Finishes the kept new-account events of `day`. */
export function accountsOn(day: i32): void {
  for (let i = 0; i < pendingCount; i++) {
    const r = pending + <usize>i * PENDING;
    if (load<i32>(r) != day) continue;
    eDay = day;
    eSec = load<i32>(r, 4);
    eK = load<u64>(r, 8);
    eOrd = load<u32>(r, 16);
    eSes = load<i64>(r, 24);
    eAccount = load<i32>(r, 32);
    device(load<i32>(r, 36));
    eType = load<i32>(r, 40);
    ePage = load<i32>(r, 44);
    plain();
    eChannel = load<i32>(r, 48);
    eCampaign = load<i32>(r, 52);
    eStep = load<i32>(r, 20);
    finish();
  }
}

// ---- a day's file ----

/** Sort entries: key u64 (abs * 2^31 + ord), record address u64. */
let sortBuf: usize = 0;
let sortCap: i32 = 0;

/** Writes one line of `len` bytes at `src` and a line feed. */
function line(src: usize, len: u32): void {
  room(<usize>len + 1);
  bytes(src, <usize>len);
  byte(10);
  lines++;
}

/** The output of a day is handed out in pieces of about this many bytes (see writeMore). */
let OUT_PIECE: usize = 32 << 20;
/** The day being written: its sorted entries, and how many are written. */
let wDay: i32 = 0;
let wCount: i32 = 0;
let wPos: i32 = 0;

/**
 * Begins the file of arrival day `day`: its records from every slot, sorted by `seq`; writes its
 * first piece (see writeMore). Returns the number of records (0: no file).
 */
export function writeDay(day: i32): i32 {
  let n = 0;
  for (let s = 0; s < slots; s++) n += <i32>u32At(slotRecs, s, 1);
  if (n > sortCap) {
    sortCap = n * 2;
    sortBuf = grow(sortBuf, <usize>sortCap << 4);
  }
  let m = 0;
  for (let s = 0; s < slots; s++) {
    if (load<i32>(slotDay + (<usize>s << 2)) < 0) continue;
    const recs = <usize>u32At(slotRecs, s, 0);
    const count = <i32>u32At(slotRecs, s, 1);
    for (let i = 0; i < count; i++) {
      const r = recs + <usize>i * REC;
      if (load<i32>(r, 16) != day) continue;
      const e = sortBuf + (<usize>m << 4);
      store<u64>(e, (<u64>load<u32>(r, 8) << 31) + <u64>load<u32>(r, 12));
      store<u64>(e, <u64>r, 8);
      m++;
    }
  }
  sortEntries(sortBuf, 0, m);
  wDay = day;
  wCount = m;
  wPos = 0;
  lines = 0;
  truthCount = 0;
  writeMore();
  return m;
}

/**
 * Writes the next piece of the day's file (outPtr, outLen): each record's line, a broken one cut,
 * followed by its replay; the truth accumulates. Returns 1 while pieces remain, then 0, once the
 * written records are dropped from their slots.
 */
export function writeMore(): i32 {
  at = 0;
  while (wPos < wCount && at < OUT_PIECE) {
    const r = <usize>load<u64>(sortBuf + (<usize>wPos << 4), 8);
    wPos++;
    const bits = load<u32>(r, 20);
    const src = <usize>load<u32>(r, 24);
    const len = load<u32>(r, 28);
    if (bits != 0) addTruth(load<u64>(r), bits, 0);
    line(src, bits & B_MALFORMED ? truncated(src, len) : len);
    if (bits & B_DUP) line(src, len);
  }
  if (wPos < wCount) return 1;
  // the records written, most of each slot, are dropped, so that a run holds about one day of lines
  for (let s = 0; s < slots; s++) if (load<i32>(slotDay + (<usize>s << 2)) >= 0) compact(s, wDay);
  return 0;
}

/**
 * Drops the records of slot s that arrive on or before `day` (written): the others move down its
 * records, and their lines into new chunks, the old ones freed.
 */
function compact(s: i32, day: i32): void {
  const recs = <usize>u32At(slotRecs, s, 0);
  const count = <i32>u32At(slotRecs, s, 1);
  // the slot's chunks as they are, set aside; the slot starts a new list
  const oldList = <usize>u32At(slotLines, s, 0);
  const oldCount = <i32>u32At(slotLines, s, 1);
  setU32(slotLines, s, 0, 0);
  setU32(slotLines, s, 1, 0);
  setU32(slotLines, s, 2, 0);
  store<u32>(slotUsed + (<usize>s << 2), 0);
  const saveOut = out;
  const saveCap = outCap;
  const saveAt = at;
  let kept = 0;
  for (let i = 0; i < count; i++) {
    const r = recs + <usize>i * REC;
    if (load<i32>(r, 16) <= day) continue;
    const len = <usize>load<u32>(r, 28);
    lineRoom(s, len);
    memory.copy(out + at, <usize>load<u32>(r, 24), len);
    const to = recs + <usize>kept * REC;
    memory.copy(to, r, REC);
    store<u32>(to, <u32>(out + at), 24);
    store<u32>(slotUsed + (<usize>s << 2), <u32>(at + len));
    kept++;
  }
  out = saveOut;
  outCap = saveCap;
  at = saveAt;
  for (let i = 0; i < oldCount; i++) heap.free(<usize>load<u32>(oldList + (<usize>i << 3)));
  if (oldList != 0) heap.free(oldList);
  setU32(slotRecs, s, 1, <u32>kept);
  // the records' memory is handed back too (the next event day in this slot grows it again)
  const recCap: u32 = kept < 1024 ? 1024 : <u32>kept;
  if (u32At(slotRecs, s, 2) > recCap) {
    setU32(slotRecs, s, 0, <u32>grow(recs, <usize>recCap * REC));
    setU32(slotRecs, s, 2, recCap);
  }
}
