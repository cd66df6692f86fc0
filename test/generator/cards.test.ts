/**
 * The customers' payment cards (generator/cards.ts) as processor/payments shows them in
 * payment_method_details, read back from a clean lake of the default quarter (every defect rate
 * 0, so no timestamp is moved): cards expire and are renewed with the same number, an expired
 * card is declined as expired_card, and a card update (dunning's) starts a new card that every
 * later charge shows. The lakes of the SQL and the WebAssembly writers are the same bytes
 * (paymentsWriter.test.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { cardExpiry, CARD_LIFE_YEARS, firstCard, monthOf, packCard, unpackFirstCard, updatedCard } from '../../generator/cards.js';
import { loadRules } from '../../generator/rules.js';
import { buildWorld } from '../../generator/world.js';
import { formatDay, tryParseDay } from '../../generator/dates.js';
import { cleanLake, countOf, duck } from './fixture.js';

let con: DuckDBConnection;

beforeAll(async () => {
  // the default dataset's quarter
  const { raw, rules } = await cleanLake('2024-01-01', '2024-03-31');
  expect(formatDay(rules.company.founded)).toBe('2024-01-01');
  con = await duck();
  // the charges and refunds with their card's last4 and the end of its expiry month (`expires`, exclusive)
  await con.run(`create table cards as select *, created::timestamp as created_at, metadata.customer_id as customer_id, metadata.invoice_id as invoice_id,
      metadata.subscription_id as subscription_id, payment_method_details.card.last4 as last4,
      make_date(payment_method_details.card.exp_year::integer, payment_method_details.card.exp_month::integer, 1) + interval 1 month as expires,
      status = 'failed' and failure_code = 'expired_card' as is_expired
    from read_json('${raw}/processor/payments/*/*.jsonl', format = 'newline_delimited')`);
});

const count = (sql: string) => countOf(con, sql);

describe('cards.ts', () => {
  it('expires a card 3 to 5 years after it is issued, and renews it at each expiry for as long again', () => {
    const card = { issued: monthOf(tryParseDay('2021-05-17')!), life: 36 };
    // valid through May 2024, then through May 2027
    expect(cardExpiry(card, card.issued)).toBe(card.issued + 36);
    expect(cardExpiry(card, monthOf(tryParseDay('2024-05-31')!))).toBe(card.issued + 36);
    expect(cardExpiry(card, monthOf(tryParseDay('2024-06-01')!))).toBe(card.issued + 72);
    const lives = new Set(Array.from({ length: 200 }, (_, n) => firstCard(42, n, 19_800).life));
    expect([...lives].sort()).toEqual(CARD_LIFE_YEARS.map((y) => 12 * y));
  });

  it('keeps a first card packed in 32 bits, which the world draws once for every account', () => {
    for (let n = 0; n < 2_000; n++) {
      // signups from 1975 to 2052
      const first = firstCard(42, n, 2_000 + n * 14);
      expect(unpackFirstCard(n, packCard(first))).toEqual(first);
    }
    const rules = loadRules();
    const world = buildWorld(rules, 1, rules.company.founded + 30);
    expect(world.firstCards).toHaveLength(world.customers.length);
    for (const c of world.customers) expect(unpackFirstCard(c.n, world.firstCards[c.n])).toEqual(firstCard(rules.seed, c.n, c.signupDay));
  });

  it('starts a new card at an update: another number, issued in its month', () => {
    for (let n = 0; n < 2_000; n++) {
      const first = firstCard(42, n, 19_800);
      // valid at the signup
      expect(cardExpiry(first, monthOf(19_800))).toBeGreaterThanOrEqual(monthOf(19_800));
      const next = updatedCard(42, first, 19_900, 100);
      expect(next.last4).not.toBe(first.last4);
      expect(next.issued).toBe(monthOf(19_900));
      expect(next.gen).toBe(1);
    }
  });
});

describe('payment_method_details', () => {
  it('declines a charge as expired_card only on a card whose expiry passed before it, and charges every other on a card valid then', async () => {
    // of orders (the buyer's old card) and of invoices (the card on file, which the processor did not see renewed)
    expect(await count(`select count(distinct invoice_id is null) as n from cards where is_expired`)).toBe(2);
    expect(await count(`select count(*) as n from cards where is_expired and expires > created_at`)).toBe(0);
    expect(await count(`select count(*) as n from cards where not is_expired and object = 'charge' and expires <= created_at`)).toBe(0);
    // 3 to 5 years after it is issued or renewed, in every month
    expect(await count(`select count(*) as n from cards where not is_expired and object = 'charge' and expires > created_at + interval 61 month`)).toBe(0);
    expect(await count(`select count(distinct payment_method_details.card.exp_month) as n from cards`)).toBe(12);
    // an invoice's is the expiry its card showed at the subscription's charge before (the card
    // expired since): its network renewed it, but the processor's card on file was not
    const before = `cards e join lateral (select * from cards c where c.subscription_id = e.subscription_id
      and c.object = 'charge' and c.status = 'succeeded' and c.created_at < e.created_at order by c.created_at desc limit 1) c on true
      where e.is_expired and e.invoice_id is not null`;
    expect(await count(`select count(*) as n from ${before}`)).toBeGreaterThan(20);
    expect(await count(`select count(*) as n from ${before} and (c.last4 <> e.last4 or c.expires <> e.expires)`)).toBe(0);
  });

  it('renews a card at its expiry, with the same number, and refunds to the card charged', async () => {
    // a customer's charges with one last4 show one expiry until it passes, then a later one
    const shown = `(select customer_id, last4, expires, created_at, lag(expires) over (partition by customer_id, last4 order by created_at, id) as prev
      from cards where not is_expired and object = 'charge')`;
    expect(await count(`select count(*) as n from ${shown} where expires < prev`)).toBe(0);
    expect(await count(`select count(*) as n from ${shown} where expires > prev and prev > created_at`)).toBe(0);
    expect(await count(`select count(*) as n from ${shown} where expires > prev`)).toBeGreaterThan(100);
    expect(await count(`select count(*) as n from cards r join cards c on c.id = r.charge
      where r.object = 'refund' and r.payment_method_details <> c.payment_method_details`)).toBe(0);
  });

  it('charges a new card from a card update on: another number, valid years after it, on every later charge of the customer', async () => {
    // the charge that pays an invoice declined expired_card is the customer's update
    const updates = `(select any_value(customer_id) as customer_id, any_value(last4) filter (where is_expired) as old,
        min(created_at) filter (where status = 'succeeded') as updated_at
      from cards where invoice_id in (select invoice_id from cards where is_expired) group by invoice_id having updated_at is not null)`;
    expect(await count(`select count(*) as n from ${updates}`)).toBeGreaterThan(20);
    const later = `${updates} u join cards c on c.customer_id = u.customer_id and c.object = 'charge' and c.created_at >= u.updated_at and not c.is_expired`;
    expect(await count(`select count(*) as n from ${later}`)).toBeGreaterThan(100);
    expect(await count(`select count(*) as n from ${later} where c.last4 = u.old or c.expires < u.updated_at + interval 3 year`)).toBe(0);
    // but for a buyer who types the old card at checkout: declined, expired
    const typed = `${updates} u join cards c on c.customer_id = u.customer_id and c.created_at >= u.updated_at and c.is_expired`;
    expect(await count(`select count(*) as n from ${typed}`)).toBeGreaterThan(0);
    expect(await count(`select count(*) as n from ${typed} where c.last4 <> u.old or c.invoice_id is not null`)).toBe(0);
    // one card from then on (the next update can come only once it has expired, years later)
    expect(await count(`select count(*) as n from (select u.customer_id from ${later} group by all having count(distinct c.last4) > 1)`)).toBe(0);
    // and the invoice's declines before it showed the old one, as did the customer's charges of invoices before
    expect(await count(`select count(*) as n from ${updates} u join cards c on c.customer_id = u.customer_id and c.created_at < u.updated_at
      and c.invoice_id is not null and c.object = 'charge' where c.last4 <> u.old`)).toBe(0);
  });
});
