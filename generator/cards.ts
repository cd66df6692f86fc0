/**
 * The customers' payment cards, which processor/payments shows in payment_method_details: decided
 * in the JS world (world.ts's lifecycle decides when a card is updated) from hashes. A card lives
 * 3 to 5 years (CARD_LIFE_YEARS) and is valid through the end of its expiry's month; when it
 * expires its network renews it, as card networks do: the same number (last4), an expiry one life
 * later. So a customer's card at any time follows from its current card alone: a customer's first
 * card was issued up to its life before the signup month, and each card update (dunning's, after
 * an expired card: declines.ts) starts a new card: another number, a brand drawn again, issued in
 * the update's month. Months are numbered from 1970-01 (0), as SQL and the WebAssembly number them.
 */
import { Field, pick } from './hash.js';
import { dateOf } from './sqlRandom.js';

/** A card's brand, drawn for each card (visa twice as often). */
export const CARD_BRANDS: readonly string[] = ['visa', 'visa', 'mastercard', 'amex'];

/** How many years a card is valid for when issued or renewed (one drawn for each card). */
export const CARD_LIFE_YEARS: readonly number[] = [3, 4, 5];

/**
 * A customer's card from a moment on: its first (gen 0, from before the customer's first charge:
 * day -1) or one it updated to (gen g, from the update's day and second).
 */
export interface Card {
  readonly n: number;
  readonly gen: number;
  readonly day: number;
  readonly sec: number;
  /** An index into CARD_BRANDS. */
  readonly brand: number;
  readonly last4: number;
  /** The month it was issued in; it expires `life` months later, then every `life` months, renewed. */
  readonly issued: number;
  readonly life: number;
}

/** The month (from 1970-01, 0) of a day number. */
export function monthOf(day: number): number {
  const d = new Date(day * 86_400_000);
  return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
}

/** SQL of monthOf of a day number expression. */
export function monthOfSql(day: string): string {
  return `((year(${dateOf(day)}) - 1970) * 12 + month(${dateOf(day)}) - 1)`;
}

/** The life in months of card `gen` of account n. */
function lifeOf(seed: number, n: number, gen: number): number {
  return 12 * CARD_LIFE_YEARS[pick(CARD_LIFE_YEARS.length, seed, Field.card, n, gen, 2)];
}

/** The first card of account n, which signed up on `signupDay`: issued up to its life before that month. */
export function firstCard(seed: number, n: number, signupDay: number): Card {
  const life = lifeOf(seed, n, 0);
  return {
    n, gen: 0, day: -1, sec: 0, brand: pick(CARD_BRANDS.length, seed, Field.card, n, 0), last4: pick(10_000, seed, Field.card, n, 0, 1),
    issued: monthOf(signupDay) - pick(life, seed, Field.card, n, 0, 3), life,
  };
}

/**
 * A card's brand (2 bits), life in years (3), last4 (14) and issue month (13) in 32 bits, as the
 * world keeps first cards (world.ts's firstCards) and assembly/payments.ts reads cards. Throws an
 * internal error for a card that does not fit.
 */
export function packCard(c: Card): number {
  if (c.issued < 0 || c.issued >= 8192 || c.life % 12 !== 0 || c.life / 12 >= 8 || c.brand >= 4) throw new Error(`internal: card ${c.gen} of account ${c.n} cannot be packed`);
  return c.brand | ((c.life / 12) << 2) | (c.last4 << 5) | (c.issued << 19);
}

/** The first card (gen 0, from day -1) of account n from its packCard form. */
export function unpackFirstCard(n: number, packed: number): Card {
  return { n, gen: 0, day: -1, sec: 0, brand: packed & 3, life: 12 * ((packed >>> 2) & 7), last4: (packed >>> 5) & 16383, issued: packed >>> 19 };
}

/** The card its customer updates `card` to at (day, sec): another number, a brand drawn again, issued that month. */
export function updatedCard(seed: number, card: Card, day: number, sec: number): Card {
  const { n } = card;
  const gen = card.gen + 1;
  return {
    n, gen, day, sec, brand: pick(CARD_BRANDS.length, seed, Field.card, n, gen),
    last4: (card.last4 + 1 + pick(9_999, seed, Field.card, n, gen, 1)) % 10_000, issued: monthOf(day), life: lifeOf(seed, n, gen),
  };
}

/**
 * The expiry (a month) that `card` shows in `month`, renewed at each expiry: the first of its
 * expiries (its issue month plus a multiple of its life, at least one) on or after that month.
 */
export function cardExpiry(card: Pick<Card, 'issued' | 'life'>, month: number): number {
  return card.issued + card.life * Math.max(1, Math.ceil((month - card.issued) / card.life));
}

/** SQL of cardExpiry from expressions of a card's issue month and life and of a month on or after its issue. */
export function cardExpirySql(issued: string, life: string, month: string): string {
  return `(${issued} + ${life} * greatest(1, (${month} - ${issued} + ${life} - 1) // ${life}))`;
}

/**
 * The expiry `card` had passed when it was replaced on `day` by a card update (the one its
 * expired_card declines showed): a card is updated within weeks of the decline, and a life later
 * than the expiry.
 */
export function replacedExpiry(card: Card, day: number): number {
  return cardExpiry(card, monthOf(day)) - card.life;
}

/**
 * SQL of the card a record shows, as expressions of its brand (an index into CARD_BRANDS), last4
 * and expiry, from the columns of w_cards' row of the card (alias `k`: issued, life, brand, last4,
 * and prev_brand, prev_last4, prev_exp of the card an update replaced, null for a first card) and
 * a month expression. `expired` (a condition): the record is an expired_card decline, which shows
 * the card whose expiry passed before the charge: of a card renewed since it was issued, the same
 * number with the expiry before its current one; of a card in its first life, the card it
 * replaced (a first card's: the same number, expired the month before at the latest; an updated
 * card's: the one before it, at replacedExpiry).
 */
export function shownCardSql(k: string, month: string, expired: string): { brand: string; last4: string; expiry: string } {
  const expiry = cardExpirySql(`${k}.issued`, `${k}.life`, month);
  const replaced = `(${expired} and ${k}.prev_exp is not null and ${expiry} = ${k}.issued + ${k}.life)`;
  return {
    brand: `case when ${replaced} then ${k}.prev_brand else ${k}.brand end`,
    last4: `case when ${replaced} then ${k}.prev_last4 else ${k}.last4 end`,
    expiry: `case when ${replaced} then ${k}.prev_exp when ${expired} then least(${expiry} - ${k}.life, ${month} - 1) else ${expiry} end`,
  };
}
