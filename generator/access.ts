/**
 * The days on which an account may use the app: while it trials or holds a subscription, read off
 * the world's subscription changes (world.ts's lifecycle, the rows billing/subscriptions carries).
 * product/events' app sessions (app pages and feature_used) come only on such days; on any other
 * an account's session is a visit to the public site (sources/events.ts). The marketplace is open
 * to every registered account, so its sessions and orders take no notice of access.
 *
 * A subscription gives access from its first row (trialing, or active for a reactivation or a
 * migrated account) to its last, expired (a trial that does not convert) or canceled (churn at a
 * renewal, or dunning's last failed retry); past_due, while dunning retries the invoice, keeps it,
 * as billing systems' grace periods do. A day counts only when the account has access all through
 * it, as the sessions' pool holds only accounts that exist all through the day (world.ts's
 * poolOn): so the day a subscription starts has none (a reactivation's, or a trial's, whose signup
 * day is not in the pool anyway), but when it starts at midnight (the initial load's migration),
 * and the day a trial expires or a subscription is canceled has none either. A trial that converts
 * goes on as the paid subscription without a break.
 */
import type { World } from './world.js';

/** The days [from, to) on which account n may use the app; `to` past the world's horizon when it still may there. */
export interface AccessWindow {
  readonly n: number;
  readonly from: number;
  readonly to: number;
}

/**
 * The world's access windows, in account order, each account's in day order (they do not
 * overlap: a reactivation starts weeks after the cancellation). A subscription still open at the
 * horizon gives access to the day after it.
 */
export function accessWindows(world: Pick<World, 'subscriptionChanges' | 'horizon'>): AccessWindow[] {
  const out: AccessWindow[] = [];
  const changes = world.subscriptionChanges;
  // the world's changes are in account order, each subscription's in time order (lifecycle)
  for (let i = 0; i < changes.length;) {
    const first = changes[i];
    const from = first.day + (first.sec > 0 ? 1 : 0);
    let to = world.horizon + 1;
    for (; i < changes.length && changes[i].subscriptionId === first.subscriptionId; i++) {
      const c = changes[i];
      if (c.status === 'expired' || c.status === 'canceled') to = c.day;
    }
    if (to > from) out.push({ n: first.n, from, to });
  }
  return out;
}

/**
 * The windows of `count` accounts packed for the WebAssembly (assembly/events.ts's hasAccess):
 * per account the index of its first window, then one more (their count), then each window's
 * from and to, account by account.
 */
export function packedAccess(windows: readonly AccessWindow[], count: number): Int32Array {
  const packed = new Int32Array(count + 1 + 2 * windows.length);
  let w = 0;
  for (let n = 0; n <= count; n++) {
    packed[n] = w;
    for (; w < windows.length && windows[w].n === n; w++) packed.set([windows[w].from, windows[w].to], count + 1 + 2 * w);
  }
  return packed;
}
