/**
 * Declined card payments and what follows them. A subscription invoice's declined charge is
 * dunned by the processor over days (retried on a schedule; an expired card only recovers when
 * the customer updates it: cards.ts), and an invoice still unpaid when dunning ends cancels its
 * subscription: involuntary churn. That is decided here in the JS world (world.ts's lifecycle),
 * from hashes. A marketplace order's declined charge is retried by the buyer at checkout within
 * seconds to minutes, and an order whose every attempt fails is never paid: that is drawn in SQL
 * (orderUniverse.ts) and, for the payments' JSON lines, in WebAssembly, from the constants here.
 */
import { weightedIndex } from './catalog.js';
import { Field, pick, uniform } from './hash.js';
import { F, ri, u } from './sqlRandom.js';
import { secondOfDay, TIME_DRAW } from './timeOfDay.js';

/** A declined charge's failure code (an index into this list in the draws below). */
export const FAILURE_CODES: readonly string[] = ['card_declined', 'insufficient_funds', 'expired_card'];

/**
 * The share of subscription invoices (on a card on file that is valid) whose first charge is
 * declined, card_declined or insufficient_funds: card-on-file renewals fail more often than a
 * charge the customer makes, as cards are blocked or run out of funds.
 */
export const INVOICE_DECLINE = 0.04;

/** How often each of FAILURE_CODES' first two (card_declined, insufficient_funds) declines an invoice's first charge (weights). */
export const INVOICE_DECLINE_MIX: readonly number[] = [35, 45];

/** The index of expired_card in FAILURE_CODES. */
export const EXPIRED_CARD = FAILURE_CODES.indexOf('expired_card');

/**
 * The share of card expiries the processor misses: a card is renewed by its network when it
 * expires (cards.ts), and the processor's account updater brings the card on file up to date,
 * but for these. The first invoice after such an expiry is declined expired_card (the card on
 * file shows the expiry that passed), and its dunning is the customer's to end by updating it.
 */
export const EXPIRY_DECLINE = 0.4;

/**
 * The days after an invoice on which the processor retries its declined charge, at the invoice's
 * time of day: 3, 5 and 7 days after the attempt before (a retry schedule of the kind Stripe's
 * Smart Retries or a custom schedule gives). The last is the end of dunning.
 */
export const DUNNING_RETRY_DAYS: readonly number[] = [3, 8, 15];

/** The days dunning lasts: after the last retry fails, the subscription is canceled. */
export const DUNNING_DAYS = DUNNING_RETRY_DAYS[DUNNING_RETRY_DAYS.length - 1];

/**
 * The chance that a processor retry succeeds, per failure code: a generic decline sometimes
 * clears, insufficient funds often does (the account is topped up by the next retry), an expired
 * card never does.
 */
export const INVOICE_RETRY_RECOVERS: readonly number[] = [0.25, 0.4, 0];

/**
 * The share of customers whose card expired who update it during dunning (asked by the
 * processor's emails), 1 to DUNNING_DAYS - 1 days after the invoice, in the business hours of the
 * customer's country (timeOfDay.ts), as its other acts, to a new card (cards.ts's updatedCard): the
 * open invoice is charged to it then, and not retried after (a retry on the update's day comes
 * before it when its time of day, the invoice's, does). The others' subscriptions end with dunning.
 */
export const CARD_UPDATE = 0.5;

/** What became of an invoice's charge: its declines, then its payment (or none: dunning ran out). */
export interface InvoiceDunning {
  /** The failure code of every declined attempt (the card's problem stays), or null: paid at once. */
  readonly failureCode: string | null;
  /** Declined attempts: the first at the invoice's time, retry r at DUNNING_RETRY_DAYS[r - 1] days after. */
  readonly declines: number;
  /** The day and second of the charge that succeeded; null when every attempt was declined. */
  readonly paidDay: number | null;
  readonly paidSec: number | null;
}

/**
 * The dunning of invoice p of account n's subscription k, raised at (day, sec), `cardExpired`
 * when the card on file expired since the charge before (cards.ts), of a customer `offsetSec`
 * seconds ahead of UTC (timeOfDay.ts's utcOffsetSec: its card update's time of day): a pure
 * function of the seed and those numbers.
 */
export function invoiceDunning(seed: number, n: number, k: number, p: number, day: number, sec: number, cardExpired: boolean, offsetSec: number): InvoiceDunning {
  if (cardExpired && uniform(seed, Field.cardExpiry, n, k, p) < EXPIRY_DECLINE) {
    // an expired card: every retry before the customer's update fails; without one, all do
    const failureCode = FAILURE_CODES[EXPIRED_CARD];
    if (uniform(seed, Field.cardUpdate, n, k, p) >= CARD_UPDATE) return { failureCode, declines: 1 + DUNNING_RETRY_DAYS.length, paidDay: null, paidSec: null };
    const after = 1 + pick(DUNNING_DAYS - 1, seed, Field.cardUpdate, n, k, p, 1);
    const at = secondOfDay(pick(TIME_DRAW, seed, Field.cardUpdate, n, k, p, 2), offsetSec);
    const before = DUNNING_RETRY_DAYS.filter((d) => d < after || (d === after && sec < at)).length;
    return { failureCode, declines: 1 + before, paidDay: day + after, paidSec: at };
  }
  if (uniform(seed, Field.decline, n, k, p) >= INVOICE_DECLINE) return { failureCode: null, declines: 0, paidDay: day, paidSec: sec };
  const code = weightedIndex(INVOICE_DECLINE_MIX, uniform(seed, Field.declineCode, n, k, p));
  const failureCode = FAILURE_CODES[code];
  for (let r = 0; r < DUNNING_RETRY_DAYS.length; r++) {
    if (uniform(seed, Field.recover, n, k, p, r) < INVOICE_RETRY_RECOVERS[code]) {
      return { failureCode, declines: 1 + r, paidDay: day + DUNNING_RETRY_DAYS[r], paidSec: sec };
    }
  }
  return { failureCode, declines: 1 + DUNNING_RETRY_DAYS.length, paidDay: null, paidSec: null };
}

/** The share of orders (not cancelled) whose first charge is declined. */
export const ORDER_DECLINE = 0.03;

/**
 * The buyer's retries at checkout after a decline, each 10 seconds to 2 minutes after the attempt
 * before (again with the card, or with another one), and the chance each succeeds per failure
 * code: a generic decline often clears on a second try, insufficient funds less often (another
 * card), an expired card most often (the buyer types the new one). After the last the buyer gives
 * up: the order is never paid (its status is payment_failed, it does not ship, and its checkout
 * is not completed).
 */
export const ORDER_RETRY_RECOVERS: readonly number[] = [0.5, 0.4, 0.6];
export const ORDER_RETRIES = 2;
/** The seconds after the order of its first charge attempt (and the gap of a retry: 10 + 0..110). */
export const ORDER_FIRST_ATTEMPT = 20;
export const ORDER_RETRY_GAP = [10, 111] as const;

/**
 * SQL of an order's declined charges (0 to 1 + ORDER_RETRIES) from its key `k`: 0 when its first
 * attempt succeeds, 1 + ORDER_RETRIES when every attempt fails (an unpaid order).
 */
export function orderDeclinesSql(k: string): string {
  const recovers = `[${ORDER_RETRY_RECOVERS.join(', ')}][1 + ${ri(k, F.card, FAILURE_CODES.length)}]`;
  const retries = Array.from({ length: ORDER_RETRIES }, (_, j) => `when ${u(k, F.recover + 10 * (j + 1))} < ${recovers} then ${j + 1}`).join(' ');
  return `case when not (${u(k, F.fail)} < ${ORDER_DECLINE}) then 0 ${retries} else ${1 + ORDER_RETRIES} end`;
}

/**
 * SQL of the second of charge attempt `j` (an expression, 0-based) of the order with key `k`
 * placed at second `sec`, not capped at the day's end: the first ORDER_FIRST_ATTEMPT seconds
 * after it, each retry ORDER_RETRY_GAP after the one before.
 */
export function orderAttemptSecSql(k: string, sec: string, j: string): string {
  const gaps = Array.from({ length: ORDER_RETRIES }, (_, m) => `case when ${j} > ${m} then ${ORDER_RETRY_GAP[0]} + ${ri(k, F.retry + 10 * (m + 1), ORDER_RETRY_GAP[1])} else 0 end`);
  return `(${sec} + ${ORDER_FIRST_ATTEMPT} + ${gaps.join(' + ')})`;
}
