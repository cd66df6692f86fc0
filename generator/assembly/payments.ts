// AssemblyScript (compiled to generator/assembly/payments.wasm by `npm run build:wasm`), not
// TypeScript: processor/payments' records and JSON lines, byte for byte what the SQL of
// generator/sources/payments.ts and generator/writer.ts give, for ../paymentsWriter.ts, which feeds
// it the batch's paid orders and invoices (with their amounts as DuckDB renders them: a DOUBLE's
// round() and its cast to DECIMAL(14, 2) are DuckDB's arithmetic) and writes the files. The draws
// are DuckDB's hash() (duckdbHash.ts); the writers of ids, times and truth are events.ts's
// (output.ts).
//
// A batch's records are drawn at once, kept small (48 bytes: what names them, sorts them and
// their defects), and their lines written day by day from the batch's orders and invoices. The
// records arriving after the batch (when a later one follows) have their lines written at the
// batch's end and are kept for the next, as writer.ts's carry tables keep them.

import { chance, hash2, hash4, hashBytes, keyPrefix, murmur, prefix, ri, uni } from './duckdbHash';
import {
  addTruth, at, byte, bytes, cfg, civil, cm, cy, decimal, grow, hashId, hex48, item, lines, listCount, orderNumber, out, piece, room,
  sortEntries, stringBytes, textAt, textLength, textOf, timestamp, truncated, truthCount,
} from './output';
import { secondOfDay, startTimeOfDay, timeDraw } from './timeOfDay';
export { lineCount, outLen, outPtr, release, reserve, setConfig, setText, truthLen, truthPtr } from './output';

// configuration slots (the JS side's CFG)
const SEED = 0;
const LATE = 1;
const NULLED = 2;
const ORPHAN = 3;
const INVALID = 4;
const MIXED = 5;
const FUTURE = 6;
const PARTIAL = 7;
const DOUBLE = 8;
const DUPLICATE = 9;
const MALFORMED = 10;
const MAX_LAG = 11;
const DRIFT_DAY = 12;
const ORDER_FIRST_ATTEMPT = 13; // an order's first charge attempt: this many seconds after it
const ORDER_REFUND = 14;
const RETRY_GAP_MIN = 15; // a checkout retry: RETRY_GAP_MIN + ri(.., RETRY_GAP_SPAN) seconds after the attempt before
const INVOICE_REFUND = 16;
const REFUND_WITHIN = 17;
const RETRY_GAP_SPAN = 18;
const F_RETRY = 19;
const F_LATE = 20;
const F_LAG = 21;
const F_NULL = 22;
const F_ORPHAN = 23;
const F_INVALID = 24;
const F_FUTURE = 25;
const F_FUTURE_DAYS = 26;
const F_MIXED = 27;
const F_SEC = 28;
const F_PARTIAL = 29;
const F_DOUBLE = 30;
const F_REFUND = 32;
const F_CARD = 33;
const F_WHICH = 34;
const F_DUP = 35;
const F_MALFORMED = 36;
const INVOICE_ORD = 37; // an invoice's records' order among a second's: this plus its account's number
const ORDER_RETRIES = 38; // a buyer's retries at checkout after a decline
const EXPIRED_CARD = 39; // the index of expired_card among the failure codes

// lists of texts, as (first text, count) in config slots (the JS side's LISTS)
const L_CUSTOMER_IDS = 40;
const L_FAILURE_CODES = 42;
const L_INVALID_CURRENCIES = 44;
const L_BRANDS = 46;
// an invoice's dunning: the day after the invoice of each processor retry, from this slot on
const DUNNING_DAY = 48;
const HOUR_WEIGHTS = 64; // 24 slots: timeOfDay.ts's HOUR_WEIGHTS, slots of the local day's hours

// @ts-ignore: decorator
@inline function f(i: i32): u64 {
  return <u64>cfg(i);
}

// ---- the batch's orders and invoices ----

/**
 * A paid order: day i32 @0, number i32 @4, second i32 @8, account n i32 @12, its texts u32 @16:
 * space-separated, up to a line feed, its currency code and its amounts, each in major units as
 * JSON and in minor units: the total, the paid amount and the refund (the last two empty when the
 * record has none of its own: see orders); the second of its charge i32 @20 (its refund shows the
 * card as charged).
 */
const ORDER: usize = 24;
/**
 * An invoice: day i32 @0, second i32 @4, account n i32 @8, its texts u32 @12 (as an order's: its
 * currency code, invoice id, subscription id and amount), hash(seed, 5, invoice_id) u64 @16, its
 * failure code's index i32 @24 (that of its declined attempts), and the day and second of the
 * charge that paid it i32 @28 and @32.
 */
const INVOICE: usize = 36;

let orderBuf: usize = 0;
let orderCount: i32 = 0;
let orderCap: i32 = 0;
let invoiceBuf: usize = 0;
let invoiceCount: i32 = 0;
let invoiceCap: i32 = 0;

/** Where text j of a record's space-separated texts at p begins. */
function textIn(p: usize, j: i32): usize {
  for (let t = 0; t < j; t++) {
    while (load<u8>(p) != 32) p++;
    p++;
  }
  return p;
}

/** The length of the text at p, up to a space or a line feed. */
function textLen(p: usize): usize {
  let q = p;
  for (let c = load<u8>(q); c != 32 && c != 10; c = load<u8>(q)) q++;
  return q - p;
}

/** Writes the text at p. */
function field(p: usize): void {
  bytes(p, textLen(p));
}

/** Where the text being read is. */
let cursor: usize = 0;

/** Reads a non-negative decimal integer and the space after it. */
function int(): i32 {
  let v = 0;
  for (let c = load<u8>(cursor); c >= 48 && c <= 57; c = load<u8>(cursor)) {
    v = v * 10 + <i32>(c - 48);
    cursor++;
  }
  cursor++;
  return v;
}

/** Moves the cursor past the next line feed. */
function nextLine(): void {
  while (load<u8>(cursor) != 10) cursor++;
  cursor++;
}

// ---- records ----

/**
 * A record: pk u64 @0 (its key), seq u64 @8 (writer.ts's sort key), arrival i32 @16, bits u32 @20,
 * kind u32 @24, its order's or invoice's index u32 @28, its written line's address u32 @32 (0 until
 * written: see carry) and length u32 @36, event day i32 @40 and second i32 @44, and for an order's
 * record its order as day << 32 | number u64 @48 (what the truth names a partial or double payment by).
 */
const REC: usize = 56;
const K_CHARGE: u32 = 0; // an order's charge
const K_DECLINE: u32 = 1; // a declined charge (the first attempt or a buyer's retry)
const K_DOUBLE: u32 = 2; // its second charge (a double payment)
const K_REFUND: u32 = 3; // its refund
const K_INVOICE: u32 = 4; // an invoice's charge
const K_INVOICE_DECLINE: u32 = 5; // a declined attempt (the first or a dunning retry)
const K_INVOICE_REFUND: u32 = 6;

const B_LATE: u32 = 1;
const B_NULL: u32 = 2;
const B_ORPHAN: u32 = 4;
const B_INVALID: u32 = 8;
const B_MIXED: u32 = 16;
const B_FUTURE: u32 = 32;
const B_PARTIAL: u32 = 64;
const B_DOUBLE: u32 = 128;
const B_DUP: u32 = 256;
const B_MALFORMED: u32 = 512;
/** Not a defect: the record is a refund (its id is `re_…`). */
const B_REFUND: u32 = 1024;
const DEFECTS: u32 = 1023;

let recs: usize = 0;
let recCount: i32 = 0;
let recCap: i32 = 0;

/** The batch: its arrival days, whether a later batch follows, its first event day. */
let fromDay: i32 = 0;
let toDay: i32 = 0;
let more: bool = false;
let loDay: i32 = 0;

/**
 * Begins a batch of arrival days [from, to] (`keepLater`: a later batch follows) generating event
 * days from `lo` on; the records the previous batch kept for it stay.
 */
export function begin(from: i32, to: i32, keepLater: bool, lo: i32): void {
  fromDay = from;
  toDay = to;
  more = keepLater;
  loDay = lo;
  orderCount = 0;
  invoiceCount = 0;
}

/**
 * Draws a record's defects and arrival (payments.ts's `flagged` and `rows`) and keeps it when its
 * event day is the batch's and it arrives in the batch (or after it, when a later batch follows).
 * `okey`: the order it names (day << 32 | number; 0 for none: a refund or an invoice's), `keeps`: its order id is kept whole (the charges
 * of a partial or double payment).
 */
function record(kind: u32, src: i32, day: i32, sec: i32, pk: u64, ord: u64, okey: u64, keeps: bool, partial: bool, twice: bool): void {
  if (day < loDay) return;
  const q = keyPrefix(pk);
  const late = chance(q, f(F_LATE), cfg(LATE));
  const nulledDraw = chance(q, f(F_NULL), cfg(NULLED));
  const hidden = cfg(NULLED) > 0 && nulledDraw;
  const nulled = nulledDraw && okey != 0 && !keeps;
  const orphan = chance(q, f(F_ORPHAN), cfg(ORPHAN)) && !hidden && okey != 0 && !keeps;
  const invalid = chance(q, f(F_INVALID), cfg(INVALID)) && !hidden;
  const mixed = chance(q, f(F_MIXED), cfg(MIXED));
  const future = chance(q, f(F_FUTURE), cfg(FUTURE)) && !(cfg(LATE) > 0 && late);
  let lag = 0;
  if (late) {
    const v = uni(q, f(F_LAG));
    lag = 1 + <i32>Math.floor(v * v * cfg(MAX_LAG));
  }
  const arrival = day + lag;
  if (arrival < fromDay || (!more && arrival > toDay)) return;
  const refund = kind == K_REFUND || kind == K_INVOICE_REFUND;
  let bits: u32 = refund ? B_REFUND : 0;
  if (late) bits |= B_LATE;
  if (nulled) bits |= B_NULL;
  if (orphan) bits |= B_ORPHAN;
  if (invalid) bits |= B_INVALID;
  if (mixed) bits |= B_MIXED;
  if (future) bits |= B_FUTURE;
  if (partial) bits |= B_PARTIAL;
  if (twice) bits |= B_DOUBLE;
  // the writer's draws, of rk = hash(seed, rkey)
  const pr = keyPrefix(prefix(murmur(f(SEED))) ^ hashId(refund ? RE_PREFIX : CH_PREFIX, pk));
  if (chance(pr, f(F_DUP), cfg(DUPLICATE))) bits |= B_DUP;
  if (chance(pr, f(F_MALFORMED), cfg(MALFORMED))) bits |= B_MALFORMED;
  if (recCount == recCap) {
    recCap = recCap < 1024 ? 1024 : recCap * 2;
    recs = grow(recs, <usize>recCap * REC);
  }
  const r = recs + <usize>recCount * REC;
  store<u64>(r, pk);
  // in time order: ord * 4 fits below 2^30
  store<u64>(r, ((<u64>day * 86400 + <u64>sec) << 30) + ord * 4 + (pk & 3), 8);
  store<i32>(r, arrival, 16);
  store<u32>(r, bits, 20);
  store<u32>(r, kind, 24);
  store<u32>(r, <u32>src, 28);
  store<u32>(r, 0, 32);
  store<u32>(r, 0, 36);
  store<i32>(r, day, 40);
  store<i32>(r, sec, 44);
  store<u64>(r, okey, 48);
  recCount++;
}

const CH_PREFIX = stringBytes('ch_');
const RE_PREFIX = stringBytes('re_');

// @ts-ignore: decorator
@inline function least(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

/**
 * The charged orders (payments.ts's `paid`) in `len` bytes at `ptr`, kept until the batch ends (see
 * carry): a line each, its day, number, second, account and declined attempts, then its texts (see
 * ORDER). Each has its declined attempts, its charge (none for an unpaid order: every attempt
 * declined), and for some a second charge (a double payment) and a refund.
 */
export function orders(ptr: usize, len: usize): void {
  cursor = ptr;
  while (cursor < ptr + len) {
    const day = int();
    const i = int();
    const sec = int();
    const n = int();
    const declines = int();
    order(day, i, sec, n, declines, cursor);
    nextLine();
  }
}

/** The second of charge attempt j of an order placed at `sec` with key p, not capped (declines.ts's orderAttemptSecSql). */
function attemptSec(p: u64, sec: i32, j: i32): i32 {
  let t = sec + <i32>cfg(ORDER_FIRST_ATTEMPT);
  for (let m = 1; m <= j; m++) t += <i32>cfg(RETRY_GAP_MIN) + <i32>ri(p, f(F_RETRY) + 10 * <u64>m, f(RETRY_GAP_SPAN));
  return t;
}

function order(day: i32, i: i32, sec: i32, n: i32, declines: i32, texts: usize): void {
  if (orderCount == orderCap) {
    orderCap = orderCap < 1024 ? 1024 : orderCap * 2;
    orderBuf = grow(orderBuf, <usize>orderCap * ORDER);
  }
  const o = orderBuf + <usize>orderCount * ORDER;
  store<i32>(o, day);
  store<i32>(o, i, 4);
  store<i32>(o, sec, 8);
  store<i32>(o, n, 12);
  store<u32>(o, <u32>texts, 16);
  const src = orderCount++;
  const p = keyOf(day, i);
  // every attempt declined: the first and ORDER_RETRIES retries
  const unpaid = declines > <i32>cfg(ORDER_RETRIES);
  const partial = chance(p, f(F_PARTIAL), cfg(PARTIAL)) && !unpaid;
  const twice = chance(p, f(F_DOUBLE), cfg(DOUBLE)) && !partial && !unpaid;
  const ord = <u64>i;
  const okey = (<u64>day << 32) | <u64>i;
  const paidAt = least(declines == 0 ? sec + 30 + <i32>ri(p, f(F_SEC), 300) : attemptSec(p, sec, declines), 86399);
  store<i32>(o, paidAt, 20);
  if (!unpaid) record(K_CHARGE, src, day, paidAt, p ^ murmur(0), ord, okey, partial || twice, partial, false);
  for (let j = 0; j < declines; j++) record(K_DECLINE, src, day, least(attemptSec(p, sec, j), 86399), p ^ murmur(j == 0 ? 1 : 3 + <u64>j), ord, okey, false, false, false);
  if (twice) record(K_DOUBLE, src, day, least(sec + 900 + <i32>ri(p, f(F_DOUBLE) + 100, 3000), 86399), p ^ murmur(2), ord, okey, true, false, true);
  if (!unpaid && chance(p, f(F_REFUND), cfg(ORDER_REFUND))) {
    record(K_REFUND, src, day + 1 + <i32>ri(p, f(F_REFUND) + 100, <u64>cfg(REFUND_WITHIN)), refundSec(p, n), p ^ murmur(3), ord, 0, false, false, false);
  }
}

/** payments.ts's refundSecSql: a refund's second of the day, in the business hours of account n's country (p: its order's or invoice's key prefix). */
function refundSec(p: u64, n: i32): i32 {
  return secondOfDay(ri(p, f(F_REFUND) + 200, timeDraw), load<i32>(offsets + (<usize>n << 2)));
}

/** The prefix of hash(k, ...) of order i of `day`, k = hash(seed, 3, day, i). */
function keyOf(day: i32, i: i32): u64 {
  return keyPrefix(hash4(f(SEED), 3, <u64>day, <u64>i));
}

/**
 * The subscription invoices of the batch in `len` bytes at `ptr`, kept until the batch ends: a line
 * each, its day, second and account, its declined attempts, whether it was paid (1) and when (its
 * day and second, 0 0 when not), its failure code's index, then its texts (see INVOICE). Each has
 * its declined attempts for some (the first at its time, then the dunning's retries), its charge
 * unless dunning ran out, and a refund of that charge for some (world.ts and declines.ts decide
 * the dunning).
 */
export function invoices(ptr: usize, len: usize): void {
  cursor = ptr;
  while (cursor < ptr + len) {
    const day = int();
    const sec = int();
    const n = int();
    const declines = int();
    const paid = int() != 0;
    const paidDay = int();
    const paidSec = int();
    const code = int();
    invoice(day, sec, n, declines, paid, paidDay, paidSec, code, cursor);
    nextLine();
  }
}

function invoice(day: i32, sec: i32, n: i32, declines: i32, paid: bool, paidDay: i32, paidSec: i32, code: i32, texts: usize): void {
  if (invoiceCount == invoiceCap) {
    invoiceCap = invoiceCap < 1024 ? 1024 : invoiceCap * 2;
    invoiceBuf = grow(invoiceBuf, <usize>invoiceCap * INVOICE);
  }
  const v = invoiceBuf + <usize>invoiceCount * INVOICE;
  // ik = hash(seed, 5, invoice_id)
  const id = textIn(texts, 1);
  const ik = prefix(hash2(f(SEED), 5)) ^ hashBytes(id, <u32>textLen(id));
  store<i32>(v, day);
  store<i32>(v, sec, 4);
  store<i32>(v, n, 8);
  store<u32>(v, <u32>texts, 12);
  store<u64>(v, ik, 16);
  store<i32>(v, code, 24);
  store<i32>(v, paidDay, 28);
  store<i32>(v, paidSec, 32);
  const src = invoiceCount++;
  const p = keyPrefix(ik);
  const ord = f(INVOICE_ORD) + <u64>n;
  // hash(seed, 5, invoice_id, kind): kind 10 + r for declined attempt r, 2 for the refund
  for (let r = 0; r < declines; r++) {
    const after = r == 0 ? 0 : <i32>cfg(DUNNING_DAY + r - 1);
    record(K_INVOICE_DECLINE, src, day + after, sec, prefix(ik) ^ murmur(10 + <u64>r), ord, 0, false, false, false);
  }
  if (!paid) return;
  record(K_INVOICE, src, paidDay, paidSec, ik, ord, 0, false, false, false);
  if (chance(p, f(F_REFUND), cfg(INVOICE_REFUND))) {
    record(K_INVOICE_REFUND, src, paidDay + 1 + <i32>ri(p, f(F_REFUND) + 100, f(REFUND_WITHIN)), refundSec(p, n), prefix(ik) ^ murmur(2), ord, 0, false, false, false);
  }
}

// ---- the customers' cards ----

/**
 * The accounts' cards (../paymentsWriter.ts's paymentsAccounts): per account its first card
 * (packed: brand 2 bits, life in years 3, last4 14, issue month 19..31) and the index of its first
 * card updated to, i32 each; then the total, and from there the cards updated to, account by
 * account in time order, as day, second and packed card (i32 each).
 */
let cardData: usize = 0;
let cardAccounts: i32 = 0;

export function setCards(n: i32, data: usize): void {
  cardAccounts = n;
  cardData = data;
}

/** Per account its country's offset from UTC in seconds, i32 each (timeOfDay.ts's utcOffsetSec: w_customers' utc_offset). */
let offsets: usize = 0;

export function setOffsets(data: usize): void {
  offsets = data;
}

/** Set by cardAt: the card that the card found replaced (packed), and the day it did; -1: none, a first card. */
let replacedCard: u32 = 0;
let replacedOn: i32 = -1;

/** The packed card of account n at (day, sec): its first, or the last it updated to by then (cards.ts). */
function cardAt(n: i32, day: i32, sec: i32): u32 {
  const a = cardData + (<usize>n << 3);
  let card = load<u32>(a);
  replacedOn = -1;
  const last = load<i32>(a, 12);
  const updates = cardData + (<usize>(cardAccounts + 1) << 3);
  for (let u = load<i32>(a, 4); u < last; u++) {
    const e = updates + <usize>u * 12;
    const d = load<i32>(e);
    if (d > day || (d == day && load<i32>(e, 4) > sec)) break;
    replacedCard = card;
    replacedOn = d;
    card = load<u32>(e, 8);
  }
  return card;
}

/** The month (from 1970-01, 0) of a day number. */
function monthOf(day: i32): i32 {
  civil(day);
  return (cy - 1970) * 12 + cm - 1;
}

/** The expiry a packed card shows in `month` (on or after its issue), renewed at each (cards.ts's cardExpiry). */
function expiryOf(card: u32, month: i32): i32 {
  const life = <i32>((card >> 2) & 7) * 12;
  const issued = <i32>(card >> 19);
  const k = (month - issued + life - 1) / life;
  return issued + life * (k > 1 ? k : 1);
}

// ---- a record's line ----

const LINE_ID = stringBytes('{"id":"');
const OBJECT_CHARGE = stringBytes('","object":"charge","created":"');
const OBJECT_REFUND = stringBytes('","object":"refund","created":"');
const LINE_AMOUNT = stringBytes('","amount":');
const LINE_NULL = stringBytes('null');
const LINE_CURRENCY = stringBytes(',"currency":"');
const STATUS_SUCCEEDED = stringBytes('","status":"succeeded","failure_code":');
const STATUS_FAILED = stringBytes('","status":"failed","failure_code":');
const LINE_ORDER = stringBytes(',"metadata":{"order_id":');
const ORDER_ID = stringBytes('"ord_');
const ORPHAN_ORDER_ID = stringBytes('"ord_000000_');
const LINE_CUSTOMER = stringBytes(',"customer_id":"');
const LINE_INVOICE = stringBytes('","invoice_id":');
const LINE_SUBSCRIPTION = stringBytes(',"subscription_id":');
const LINE_BRAND = stringBytes('},"payment_method_details":{"type":"card","card":{"brand":"');
const LINE_LAST4 = stringBytes('","last4":"');
const LINE_EXP_MONTH = stringBytes('","exp_month":');
const LINE_EXP_YEAR = stringBytes(',"exp_year":');
const LINE_CHARGE = stringBytes('}},"charge":');
const CHARGE_ID = stringBytes('"ch_');

/** Writes the text at p in quotes. */
function quoted(p: usize): void {
  byte(34);
  field(p);
  byte(34);
}

/** Writes the text at p in lower case (currency codes are upper-case ASCII letters). */
function lower(p: usize): void {
  const from = at;
  field(p);
  for (let i = from; i < at; i++) {
    const c = load<u8>(out + i);
    if (c >= 65 && c <= 90) store<u8>(out + i, c + 32);
  }
}

/** Writes record r's JSON line (payments.ts's columns through writer.ts's to_json), without its line feed. */
function render(r: usize): void {
  const pk = load<u64>(r);
  const arrival = load<i32>(r, 16);
  const bits = load<u32>(r, 20);
  const kind = load<u32>(r, 24);
  const src = <usize>load<u32>(r, 28);
  const day = load<i32>(r, 40);
  const sec = load<i32>(r, 44);
  const q = keyPrefix(pk);
  const ofOrder = kind < K_INVOICE;
  const o = orderBuf + src * ORDER;
  const v = invoiceBuf + src * INVOICE;
  const texts = <usize>(ofOrder ? load<u32>(o, 16) : load<u32>(v, 12));
  const n = ofOrder ? load<i32>(o, 12) : load<i32>(v, 8);

  piece(LINE_ID);
  piece(bits & B_REFUND ? RE_PREFIX : CH_PREFIX);
  hex48(pk);
  piece(bits & B_REFUND ? OBJECT_REFUND : OBJECT_CHARGE);
  const future = (bits & B_FUTURE) != 0;
  const abs: i64 = future ? <i64>(arrival + 1 + <i32>ri(q, f(F_FUTURE_DAYS), 20)) * 86400 + sec : <i64>day * 86400 + sec;
  timestamp(abs, (bits & B_MIXED) != 0, q, f(F_MIXED));
  piece(LINE_AMOUNT);
  if (bits & B_NULL) piece(LINE_NULL);
  else {
    // which amount: an order's charge takes what was paid, its refund the refund, the others the total
    let j = ofOrder ? 1 : 3;
    if (kind == K_CHARGE && textLen(textIn(texts, 3)) != 0) j = 3;
    else if (kind == K_REFUND) j = 5;
    // major units as JSON before the unit change, minor units from it
    field(textIn(texts, arrival >= <i32>cfg(DRIFT_DAY) ? j + 1 : j));
  }
  piece(LINE_CURRENCY);
  if (bits & B_INVALID) item(L_INVALID_CURRENCIES, ri(q, f(F_WHICH), listCount(L_INVALID_CURRENCIES)));
  else lower(texts);
  const failed = kind == K_DECLINE || kind == K_INVOICE_DECLINE;
  piece(failed ? STATUS_FAILED : STATUS_SUCCEEDED);
  // a declined charge's failure code: an order's drawn from its key, an invoice's the world's
  const code = !failed ? -1 : ofOrder ? <i64>ri(keyOf(load<i32>(o), load<i32>(o, 4)), f(F_CARD), listCount(L_FAILURE_CODES)) : <i64>load<i32>(v, 24);
  if (failed) {
    byte(34);
    item(L_FAILURE_CODES, <u64>code);
    byte(34);
  } else piece(LINE_NULL);
  piece(LINE_ORDER);
  if (!ofOrder || (bits & B_NULL)) piece(LINE_NULL);
  else if (bits & B_ORPHAN) {
    piece(ORPHAN_ORDER_ID);
    decimal(ri(q, f(F_ORPHAN), 1000000), 6);
    byte(34);
  } else {
    piece(ORDER_ID);
    orderNumber(load<i32>(o), load<i32>(o, 4));
    byte(34);
  }
  piece(LINE_CUSTOMER);
  const id = textOf(L_CUSTOMER_IDS, <u64>n);
  bytes(textAt(id), <usize>textLength(id));
  piece(LINE_INVOICE);
  if (ofOrder) piece(LINE_NULL);
  else quoted(textIn(texts, 1));
  piece(LINE_SUBSCRIPTION);
  if (ofOrder) piece(LINE_NULL);
  else quoted(textIn(texts, 2));
  // the customer's card at the record's time (a refund's at its charge's), renewed at each
  // expiry: the expiry it shows in that month (an expired_card decline's the one that passed)
  let cardDay = day;
  let cardSec = sec;
  if (kind == K_REFUND) {
    cardDay = load<i32>(o);
    cardSec = load<i32>(o, 20);
  } else if (kind == K_INVOICE_REFUND) {
    cardDay = load<i32>(v, 28);
    cardSec = load<i32>(v, 32);
  }
  let card = cardAt(n, cardDay, cardSec);
  const life = <i32>((card >> 2) & 7) * 12;
  const month = monthOf(cardDay);
  let exp = expiryOf(card, month);
  if (code == <i64>cfg(EXPIRED_CARD)) {
    // the card whose expiry passed (cards.ts's shownCardSql): in an updated card's first life,
    // the one it replaced, as it was when replaced
    if (replacedOn >= 0 && exp == <i32>(card >> 19) + life) {
      card = replacedCard;
      exp = expiryOf(card, monthOf(replacedOn)) - <i32>((card >> 2) & 7) * 12;
    } else exp = least(exp - life, month - 1);
  }
  piece(LINE_BRAND);
  item(L_BRANDS, <u64>(card & 3));
  piece(LINE_LAST4);
  decimal(<u64>((card >> 5) & 0x3fff), 4);
  piece(LINE_EXP_MONTH);
  decimal(<u64>(exp % 12 + 1), 1);
  piece(LINE_EXP_YEAR);
  decimal(<u64>(1970 + exp / 12), 1);
  piece(LINE_CHARGE);
  if (kind == K_REFUND) {
    piece(CHARGE_ID);
    hex48(keyOf(load<i32>(o), load<i32>(o, 4)) ^ murmur(0));
    byte(34);
  } else if (kind == K_INVOICE_REFUND) {
    piece(CHARGE_ID);
    hex48(load<u64>(v, 16));
    byte(34);
  } else piece(LINE_NULL);
  byte(125);
}

// ---- a day's file ----

/** The longest line, with room to spare: its replay follows it. */
const LINE_ROOM: usize = 8192;

/** The batch's records by arrival day: for each day of [from, to], its first index in dayRecs, and one past the last. */
let dayStart: usize = 0;
let dayStartCap: i32 = 0;
let dayRecs: usize = 0;
let dayRecsCap: i32 = 0;

/** Groups the batch's records by arrival day, once they are all drawn. */
export function arrange(): void {
  const days = toDay - fromDay + 1;
  if (days + 1 > dayStartCap) {
    dayStartCap = (days + 1) * 2;
    dayStart = grow(dayStart, <usize>dayStartCap << 2);
  }
  if (recCount > dayRecsCap) {
    dayRecsCap = recCount * 2;
    dayRecs = grow(dayRecs, <usize>dayRecsCap << 2);
  }
  memory.fill(dayStart, 0, <usize>(days + 1) << 2);
  for (let i = 0; i < recCount; i++) {
    const d = load<i32>(recs + <usize>i * REC, 16) - fromDay;
    if (d < days) store<u32>(dayStart + (<usize>(d + 1) << 2), load<u32>(dayStart + (<usize>(d + 1) << 2)) + 1);
  }
  for (let d = 0; d < days; d++) store<u32>(dayStart + (<usize>(d + 1) << 2), load<u32>(dayStart + (<usize>(d + 1) << 2)) + load<u32>(dayStart + (<usize>d << 2)));
  // dayStart[d] as the fill position of day d, then moved back
  for (let i = 0; i < recCount; i++) {
    const d = load<i32>(recs + <usize>i * REC, 16) - fromDay;
    if (d >= days) continue;
    const pos = load<u32>(dayStart + (<usize>d << 2));
    store<u32>(dayRecs + (<usize>pos << 2), <u32>i);
    store<u32>(dayStart + (<usize>d << 2), pos + 1);
  }
  for (let d = days; d > 0; d--) store<u32>(dayStart + (<usize>d << 2), load<u32>(dayStart + (<usize>(d - 1) << 2)));
  store<u32>(dayStart, 0);
}

/** Sort entries: key u64 (seq), record address u64. */
let sortBuf: usize = 0;
let sortCap: i32 = 0;

/** Whether record a's rkey sorts after record b's (`ch_` before `re_`, then the hex digits of the key's low 48 bits). */
function rkeyAfter(a: usize, b: usize): bool {
  const ra = load<u32>(a, 20) & B_REFUND;
  const rb = load<u32>(b, 20) & B_REFUND;
  if (ra != rb) return ra > rb;
  return (load<u64>(a) & 0xffffffffffff) > (load<u64>(b) & 0xffffffffffff);
}

/** Orders the runs of equal seq among `n` sorted entries by rkey (writer.ts's sort: dt, seq, rkey). */
function breakTies(n: i32): void {
  for (let i = 1; i < n; i++) {
    const e = sortBuf + (<usize>i << 4);
    if (load<u64>(e) != load<u64>(e - 16)) continue;
    // insertion within the run
    const rec = load<u64>(e, 8);
    let j = i - 1;
    while (j >= 0 && load<u64>(sortBuf + (<usize>j << 4)) == load<u64>(e) && rkeyAfter(<usize>load<u64>(sortBuf + (<usize>j << 4), 8), <usize>rec)) {
      store<u64>(sortBuf + (<usize>(j + 1) << 4), load<u64>(sortBuf + (<usize>j << 4), 8), 8);
      j--;
    }
    store<u64>(sortBuf + (<usize>(j + 1) << 4), rec, 8);
  }
}

/** The output of a day is handed out in pieces of about this many bytes (see writeMore). */
let OUT_PIECE: usize = 32 << 20;
let wCount: i32 = 0;
let wPos: i32 = 0;

/** Replaces OUT_PIECE when not 0 (tests make it small, to cross it). */
export function start(piece: usize): void {
  if (piece != 0) OUT_PIECE = piece;
  startTimeOfDay(HOUR_WEIGHTS);
}

/**
 * Begins the file of arrival day `day` of the batch: its records sorted as writer.ts sorts them;
 * writes its first piece (see writeMore). Returns the number of records (0: no file).
 */
export function writeDay(day: i32): i32 {
  const d = day - fromDay;
  const first = <i32>load<u32>(dayStart + (<usize>d << 2));
  const m = <i32>load<u32>(dayStart + (<usize>(d + 1) << 2)) - first;
  if (m > sortCap) {
    sortCap = m * 2;
    sortBuf = grow(sortBuf, <usize>sortCap << 4);
  }
  for (let i = 0; i < m; i++) {
    const r = recs + <usize>load<u32>(dayRecs + (<usize>(first + i) << 2)) * REC;
    const e = sortBuf + (<usize>i << 4);
    store<u64>(e, load<u64>(r, 8));
    store<u64>(e, <u64>r, 8);
  }
  sortEntries(sortBuf, 0, m);
  breakTies(m);
  wCount = m;
  wPos = 0;
  lines = 0;
  truthCount = 0;
  writeMore();
  return m;
}

/**
 * Writes the next piece of the day's file (outPtr, outLen): each record's line, a broken one cut,
 * followed by its replay; the truth accumulates. Returns 1 while pieces remain, then 0.
 */
export function writeMore(): i32 {
  at = 0;
  while (wPos < wCount && at < OUT_PIECE) {
    const r = <usize>load<u64>(sortBuf + (<usize>wPos << 4), 8);
    wPos++;
    room(LINE_ROOM);
    const begin = at;
    const written = <usize>load<u32>(r, 32);
    if (written != 0) bytes(written, <usize>load<u32>(r, 36));
    else render(r);
    const len = at - begin;
    const bits = load<u32>(r, 20);
    // a partial or double payment is known by its order's id
    if (bits & DEFECTS) addTruth(load<u64>(r), bits, load<u64>(r, 48));
    if (bits & B_MALFORMED) {
      const cut = <usize>truncated(out + begin, <u32>len);
      if (bits & B_DUP) memory.copy(out + begin + cut + 1, out + begin, len);
      store<u8>(out + begin + cut, 10);
      at = begin + cut + 1;
      lines++;
      if (bits & B_DUP) {
        at += len;
        byte(10);
        lines++;
      }
    } else {
      byte(10);
      lines++;
      if (bits & B_DUP) {
        memory.copy(out + at, out + begin, len);
        at += len;
        byte(10);
        lines++;
      }
    }
  }
  return wPos < wCount ? 1 : 0;
}

/**
 * Ends the batch: the records arriving after it (a later batch follows) have their lines written
 * (the batch's orders and invoices are not kept) and stay, for the next batch; the others go.
 */
export function carry(): void {
  let kept = 0;
  for (let i = 0; i < recCount; i++) {
    const r = recs + <usize>i * REC;
    const written = <usize>load<u32>(r, 32);
    if (load<i32>(r, 16) <= toDay) {
      if (written != 0) heap.free(written);
      continue;
    }
    if (written == 0) {
      at = 0;
      room(LINE_ROOM);
      render(r);
      const line = heap.alloc(at);
      memory.copy(line, out, at);
      store<u32>(r, <u32>line, 32);
      store<u32>(r, <u32>at, 36);
    }
    memory.copy(recs + <usize>kept * REC, r, REC);
    kept++;
  }
  recCount = kept;
  at = 0;
}
