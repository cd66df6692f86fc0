/**
 * Declined subscription charges in the JS world (declines.ts, world.ts's lifecycle): the
 * processor's dunning over days, card updates, and the involuntary churn when dunning runs out.
 * The lake's files show the same (company.test.ts); here the world itself is read, over two years.
 */
import { describe, expect, it } from 'vitest';
import {
  CARD_UPDATE, DUNNING_DAYS, DUNNING_RETRY_DAYS, EXPIRY_DECLINE, FAILURE_CODES, INVOICE_DECLINE, INVOICE_DECLINE_MIX, INVOICE_RETRY_RECOVERS, invoiceDunning,
} from '../../generator/declines.js';
import { loadRules, type Rules } from '../../generator/rules.js';
import { REFUND_WITHIN_DAYS } from '../../generator/sources/orderUniverse.js';
import { paymentsLookbackDays } from '../../generator/sources/payments.js';
import { HOUR_WEIGHTS, TIME_SLOTS } from '../../generator/timeOfDay.js';
import { COUNTRIES } from '../../generator/catalog.js';
import { buildWorld, type Invoice } from '../../generator/world.js';
import { withinBinomial } from './fixture.js';

/** Expects `got` of `n` draws at rate `p` within four standard deviations of n·p. */
function expectBinomial(got: number, n: number, p: number, what: string): void {
  expect(withinBinomial(got, n, p), `${what}: ${got} of ${n}, ${(n * p).toFixed(0)} expected`).toBe(true);
}

describe('invoiceDunning', () => {
  // 400,000 invoices of made-up accounts, at a second of the day each, a tenth on a card on file
  // that expired since the charge before, of customers in every country's time zone
  const draws = Array.from({ length: 400_000 }, (_, i) => {
    const sec = (i * 7919) % 86_400;
    const expired = i % 10 === 0;
    const offset = COUNTRIES[i % COUNTRIES.length].utcOffsetMinutes * 60;
    return { sec, expired, offset, d: invoiceDunning(7, i, i % 3, i % 11, 20_000, sec, expired, offset) };
  });
  const declined = draws.filter((x) => x.d.declines > 0);
  const byCode = (code: string) => declined.filter((x) => x.d.failureCode === code);
  const retries = DUNNING_RETRY_DAYS.length;

  it('declines INVOICE_DECLINE of first charges on a valid card, card_declined or insufficient_funds at their weights, and EXPIRY_DECLINE of expired ones', () => {
    const valid = draws.filter((x) => !x.expired);
    const generic = declined.filter((x) => x.d.failureCode !== 'expired_card');
    // a card on file still valid is never declined as expired
    expect(valid.filter((x) => x.d.failureCode === 'expired_card').length).toBe(0);
    expectBinomial(valid.filter((x) => x.d.declines > 0).length, valid.length, INVOICE_DECLINE, 'declined invoices on a valid card');
    const total = INVOICE_DECLINE_MIX.reduce((a, b) => a + b, 0);
    INVOICE_DECLINE_MIX.forEach((w, i) => expectBinomial(byCode(FAILURE_CODES[i]).length, generic.length, w / total, FAILURE_CODES[i]));
    // an expired one: missed by the account updater for EXPIRY_DECLINE, else charged as any
    const expired = draws.filter((x) => x.expired);
    expectBinomial(byCode('expired_card').length, expired.length, EXPIRY_DECLINE, 'expired cards declined');
    expectBinomial(expired.filter((x) => x.d.declines > 0 && x.d.failureCode !== 'expired_card').length, expired.length, (1 - EXPIRY_DECLINE) * INVOICE_DECLINE, 'other declines of an expired card renewed');
    // the others are paid at once, at the invoice's time
    expect(draws.filter((x) => x.d.declines === 0 && (x.d.paidDay !== 20_000 || x.d.paidSec !== x.sec || x.d.failureCode !== null)).length).toBe(0);
  });

  it('retries a declined charge 3, 5 and 7 days after the attempt before, at its time of day, a retry recovering at its code\'s rate', () => {
    expect(DUNNING_RETRY_DAYS).toEqual([3, 8, 15]);
    expect(DUNNING_DAYS).toBe(15);
    for (const code of ['card_declined', 'insufficient_funds']) {
      const of = byCode(code);
      const p = INVOICE_RETRY_RECOVERS[FAILURE_CODES.indexOf(code)];
      expect(p).toBeGreaterThan(0);
      // paid by retry r: on its day, at the invoice's second, after r declines
      const bad = of.filter((x) => x.d.paidDay !== null
        && (x.d.paidDay !== 20_000 + DUNNING_RETRY_DAYS[x.d.declines - 1] || x.d.paidSec !== x.sec));
      expect(bad.length, code).toBe(0);
      // the first retry recovers p of them, the second p of those left, ...
      let left = of.length;
      for (let r = 1; r <= retries; r++) {
        const recovered = of.filter((x) => x.d.paidDay !== null && x.d.declines === r).length;
        expectBinomial(recovered, left, p, `${code} recovered by retry ${r}`);
        left -= recovered;
      }
      // and the rest are never paid, after the first attempt and every retry declined
      expect(of.filter((x) => x.d.paidDay === null).length).toBe(left);
      expect(of.filter((x) => x.d.paidDay === null && x.d.declines !== 1 + retries).length).toBe(0);
    }
    // insufficient funds recovers more often than a generic decline
    const unpaid = (code: string) => byCode(code).filter((x) => x.d.paidDay === null).length / byCode(code).length;
    expect(unpaid('insufficient_funds')).toBeLessThan(unpaid('card_declined'));
  });

  it('never recovers an expired card on a retry: only a card update pays it, for CARD_UPDATE of them, days later', () => {
    const expired = byCode('expired_card');
    expect(INVOICE_RETRY_RECOVERS[FAILURE_CODES.indexOf('expired_card')]).toBe(0);
    const updated = expired.filter((x) => x.d.paidDay !== null);
    expectBinomial(updated.length, expired.length, CARD_UPDATE, 'expired cards updated');
    const bad = updated.filter((x) => {
      const after = x.d.paidDay! - 20_000;
      // 1 to DUNNING_DAYS - 1 days later, at the customer's time, after the retries before it declined
      const before = DUNNING_RETRY_DAYS.filter((d) => d * 86_400 + x.sec < after * 86_400 + x.d.paidSec!).length;
      return after < 1 || after >= DUNNING_DAYS || x.d.declines !== 1 + before || (DUNNING_RETRY_DAYS.includes(after) && x.d.paidSec === x.sec);
    });
    expect(bad.length).toBe(0);
    // spread over the days of dunning
    expect(new Set(updated.map((x) => x.d.paidDay)).size).toBe(DUNNING_DAYS - 1);
    // in the business hours of the customer's country, as timeOfDay.ts's curve has them
    const localHour = (x: (typeof updated)[number]) => Math.floor(((x.d.paidSec! + x.offset + 86_400) % 86_400) / 3600);
    const curve = (from: number, to: number) => HOUR_WEIGHTS.slice(from, to).reduce((a, b) => a + b, 0) / TIME_SLOTS;
    expectBinomial(updated.filter((x) => localHour(x) >= 9 && localHour(x) < 18).length, updated.length, curve(9, 18), 'card updates in local 09:00-18:00');
    expectBinomial(updated.filter((x) => localHour(x) >= 2 && localHour(x) < 5).length, updated.length, curve(2, 5), 'card updates in local 02:00-05:00');
    expect(expired.filter((x) => x.d.paidDay === null && x.d.declines !== 1 + retries).length).toBe(0);
  });
});

describe('subscriptions under dunning', () => {
  const rules: Rules = loadRules();
  // a year and a bit at scale 2
  const world = buildWorld(rules, 2, rules.company.founded + 400);
  const changesOf = new Map<string, typeof world.subscriptionChanges>();
  for (const ch of world.subscriptionChanges) changesOf.set(ch.subscriptionId, [...(changesOf.get(ch.subscriptionId) ?? []), ch]);
  const invoicesOf = new Map<string, Invoice[]>();
  for (const inv of world.invoices) invoicesOf.set(inv.subscriptionId, [...(invoicesOf.get(inv.subscriptionId) ?? []), inv]);
  const at = (day: number, sec: number) => day * 86_400 + sec;

  it('go past due at a declined invoice\'s first attempt, and active again when it is paid', () => {
    const dunned = world.invoices.filter((inv) => inv.declines > 0 && inv.paidDay !== null && inv.paidDay <= world.horizon);
    expect(dunned.length).toBeGreaterThan(500);
    const bad: string[] = [];
    for (const inv of dunned) {
      const list = changesOf.get(inv.subscriptionId)!;
      const i = list.findIndex((ch) => ch.status === 'past_due' && ch.day === inv.day && ch.sec === inv.sec);
      const next = list[i + 1];
      if (i < 0 || next?.status !== 'active' || at(next.day, next.sec) !== at(inv.paidDay!, inv.paidSec!)) bad.push(inv.invoiceId);
    }
    expect(bad.slice(0, 10)).toEqual([]);
    // every past_due change is a declined invoice's
    const declined = new Set(world.invoices.filter((inv) => inv.declines > 0).map((inv) => `${inv.subscriptionId}@${at(inv.day, inv.sec)}`));
    const stray = world.subscriptionChanges.filter((ch) => ch.status === 'past_due' && !declined.has(`${ch.subscriptionId}@${at(ch.day, ch.sec)}`));
    expect(stray.length).toBe(0);
  });

  it('cancel a subscription when dunning runs out, at its last retry, with no later invoice: involuntary churn', () => {
    const exhausted = world.invoices.filter((inv) => inv.paidDay === null && inv.day + DUNNING_DAYS <= world.horizon);
    expect(exhausted.length).toBeGreaterThan(200);
    const bad: string[] = [];
    for (const inv of exhausted) {
      const list = changesOf.get(inv.subscriptionId)!;
      const last = list[list.length - 1];
      const before = list[list.length - 2];
      // past due at the first attempt, then canceled at the last retry's time (the same second of day)
      if (last.status !== 'canceled' || last.day !== inv.day + DUNNING_DAYS || last.sec !== inv.sec || last.canceledDay !== last.day) bad.push(`${inv.invoiceId}: not canceled at its last retry`);
      if (before?.status !== 'past_due' || before.day !== inv.day) bad.push(`${inv.invoiceId}: not past due before`);
      const invs = invoicesOf.get(inv.subscriptionId)!;
      if (invs[invs.length - 1] !== inv) bad.push(`${inv.invoiceId}: a later invoice`);
    }
    expect(bad.slice(0, 10)).toEqual([]);
    // and as many as the rates give: declined, then never recovered; on a valid card (or one
    // renewed), at INVOICE_DECLINE, and of those declined expired_card, all not updated
    const total = INVOICE_DECLINE_MIX.reduce((a, b) => a + b, 0);
    const lost = INVOICE_DECLINE_MIX.reduce((sum, w, i) => sum + (w / total) * Math.pow(1 - INVOICE_RETRY_RECOVERS[i], DUNNING_RETRY_DAYS.length), 0);
    const invoiced = world.invoices.filter((inv) => inv.day + DUNNING_DAYS <= world.horizon);
    const isExpired = (inv: Invoice) => inv.failureCode === 'expired_card';
    expectBinomial(exhausted.filter((inv) => !isExpired(inv)).length, invoiced.filter((inv) => !isExpired(inv)).length, INVOICE_DECLINE * lost, 'invoices that end their subscription');
    const expired = invoiced.filter(isExpired);
    expect(expired.length).toBeGreaterThan(100);
    expectBinomial(exhausted.filter(isExpired).length, expired.length, 1 - CARD_UPDATE, 'expired cards not updated');
  });

  it('are paid, if at all, within DUNNING_DAYS of the invoice: the payments\' look-back reaches a refund of such a charge', () => {
    const paid = world.invoices.filter((inv) => inv.paidDay !== null);
    expect(paid.reduce((max, inv) => Math.max(max, inv.paidDay! - inv.day), 0)).toBe(DUNNING_DAYS);
    // a refund comes up to REFUND_WITHIN_DAYS after its charge, and arrives up to max_lag_days late:
    // a day generated alone must generate invoices that far back (a day alone equals it in a range run: lake.test.ts)
    expect(paymentsLookbackDays(rules)).toBe(rules.arrival.max_lag_days + DUNNING_DAYS + REFUND_WITHIN_DAYS + 1);
  });

  it('reactivate an involuntarily churned account as any other, after the cancellation', () => {
    // a reactivation is a new subscription of the account, started 10 to 59 days after the cancellation
    const exhausted = world.invoices.filter((inv) => inv.paidDay === null && inv.day + DUNNING_DAYS + 60 <= world.horizon);
    const next = (inv: Invoice) => {
      const k = Number(inv.subscriptionId.split('_')[2]);
      return changesOf.get(`${inv.subscriptionId.split('_').slice(0, 2).join('_')}_${k + 1}`)?.[0];
    };
    expect(exhausted.length).toBeGreaterThan(200);
    const back = exhausted.filter((inv) => next(inv) !== undefined);
    expectBinomial(back.length, exhausted.length, rules.company.reactivation_rate, 'reactivated after involuntary churn');
    for (const inv of back) {
      const gap = next(inv)!.startedDay - (inv.day + DUNNING_DAYS);
      expect(gap >= 10 && gap < 60, inv.invoiceId).toBe(true);
    }
  });
});
