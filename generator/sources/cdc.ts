/**
 * CDC extracts as CSV: crm/customers (profile versions) and billing/subscriptions (state
 * changes). Each row is one version of a key with `_op`, `_version` (0 for the insert, then 1,
 * 2, ... per key; the truth manifest's key is `<id>@v<_version>`) and `_extracted_at` (the day's
 * extract runs at the end of its arrival day, 23:59:59, after every change it carries); the
 * warehouse builds SCD2 dimensions from this history. Conflicting updates are a second, different
 * version of a key with the same `updated_at`; only that added row carries the defect in the truth
 * manifest.
 */
import { arrives, dateOf, F, firstEventDay, flag, flags, isoUtc, lagDays, mixedTs, oneOf, orphanCustomerId, ri, type SqlContext, tsOf } from '../sqlRandom.js';
import { COUNTRIES } from '../catalog.js';
import type { DefectKind } from '../rules.js';
import type { SourceDef } from './source.js';

const invalidCountry = (k: string) => `${oneOf(k, F.which, ['uk', 'XX', 'U.S.', 'Germany'])}`;

/**
 * SQL of a business phone number in the country in column `country` (its shape in COUNTRIES), its
 * digits drawn from `key`: each run of `#` is one draw, each `N` a digit 2-9.
 */
function phoneSql(country: string, key: string): string {
  const shape = (phone: string) => {
    const runs = phone.match(/#+|N|[^#N]+/g)!;
    return runs.map((run, i) => {
      if (run === 'N') return `(2 + ${ri(key, F.pii + 100 + i, 8)})::varchar`;
      if (run.startsWith('#')) return `lpad(${ri(key, F.pii + 100 + i, 10 ** run.length)}::varchar, ${run.length}, '0')`;
      return `'${run}'`;
    }).join(' || ');
  };
  return `case ${country} ${COUNTRIES.map((c) => `when '${c.code}' then ${shape(c.phone)}`).join(' ')} end`;
}

/**
 * The versions `v` (record key `k`) with their arrival day and defect flags: late, conflicting
 * (only a version after the first, `versionCol` > 0, can conflict), and `kinds`.
 */
function flagged(ctx: SqlContext, versionCol: string, kinds: readonly DefectKind[]): string {
  return `select *, (day + ${lagDays(ctx, 'k', flag(ctx, 'late_arrival', 'k'))}) as arrival,
          ${flag(ctx, 'late_arrival', 'k')} as d_late_arrival,
          ${versionCol} > 0 and ${flag(ctx, 'conflicting_update', 'k')} as d_conflicting_update,
          ${flags(ctx, 'k', kinds)}
        from v`;
}

export const customers: SourceDef = {
  name: 'crm/customers',
  description: 'CRM accounts as a CDC extract: one row per created or changed profile version.',
  defects: ['late_arrival', 'conflicting_update', 'null_required', 'invalid_code', 'mixed_timestamp', 'future_timestamp'],
  records(ctx) {
    const s = ctx.rules.seed;
    return `with v as (
        select v.*, c.customer_id, c.signup_day, c.signup_sec, c.first_idx, c.last_idx, c.industry, c.channel,
          hash(${s}, 1, v.n, v.version) as k
        from w_versions v join w_customers c using (n)
        where v.day between ${firstEventDay(ctx, ctx.rules.arrival.max_lag_days)} and ${ctx.to}),
      flagged as (${flagged(ctx, 'version', ['null_required', 'invalid_code', 'mixed_timestamp', 'future_timestamp'])}),
      versions as (
        select * replace (false as d_conflicting_update), 0 as variant from flagged
        union all
        select * replace (company_idx + 1 as company_idx, email_user + 7 as email_user), 1 from flagged where d_conflicting_update),
      rows as (select versions.*, co.name as company_name, co.domain, p.first_name, pl.last_name,
          case when d_future_timestamp then ${tsOf('arrival + 1 + ' + ri('k', F.futureDays, 20), 'sec')} else ${tsOf('day', 'sec')} end as updated_ts
        from versions
        join w_companies co on co.idx = versions.company_idx
        join w_people p on p.idx = versions.first_idx
        join w_people pl on pl.idx = versions.last_idx
        where ${arrives(ctx, 'arrival')})
      select ${dateOf('arrival')} as dt, (day::hugeint * 86400 + sec) * 4096 + (n % 512) * 8 + variant as seq,
        customer_id || '@v' || version as rkey,
        d_late_arrival, d_conflicting_update, d_null_required, d_invalid_code, d_mixed_timestamp, d_future_timestamp,
        customer_id, company_name,
        first_name || ' ' || last_name as contact_name,
        case when d_null_required then null else lower(first_name) || '.' || lower(last_name) || case when email_user > 0 then email_user::varchar else '' end || '@' || domain end as email,
        ${phoneSql('country', 'hash(n, country)')} as phone,
        case when d_invalid_code then ${invalidCountry('k')} else country end as country_code,
        currency, industry, employees as employee_count, channel as signup_channel,
        ${isoUtc(tsOf('signup_day', 'signup_sec'))} as created_at,
        ${mixedTs('updated_ts', 'k', F.mixed, 'd_mixed_timestamp')} as updated_at,
        case when version = 0 then 'insert' else 'update' end as _op,
        version as _version,
        ${isoUtc(tsOf('arrival', '86399'))} as _extracted_at
      from rows`;
  },
  variants() {
    return [{ columns: ['customer_id', 'company_name', 'contact_name', 'email', 'phone', 'country_code', 'currency', 'industry', 'employee_count', 'signup_channel', 'created_at', 'updated_at', '_op', '_version', '_extracted_at'] }];
  },
};

export const subscriptions: SourceDef = {
  name: 'billing/subscriptions',
  description: 'Billing subscriptions as a CDC extract: trial, activation, plan changes, cancellation.',
  defects: ['late_arrival', 'conflicting_update', 'null_required', 'orphan_fk', 'invalid_code', 'mixed_timestamp'],
  records(ctx) {
    const s = ctx.rules.seed;
    return `with v as (
        select sc.*, c.customer_id, hash(${s}, 2, sc.subscription_id, sc.seq) as k
        from w_sub_changes sc join w_customers c using (n)
        where sc.day between ${firstEventDay(ctx, ctx.rules.arrival.max_lag_days)} and ${ctx.to}),
      flagged as (${flagged(ctx, 'seq', ['null_required', 'orphan_fk', 'invalid_code', 'mixed_timestamp'])}),
      rows as (
        select * replace (false as d_conflicting_update), 0 as variant from flagged
        union all
        select * replace (case when status = 'active' then 'past_due' else 'active' end as status, null::integer as canceled_day), 1
        from flagged where d_conflicting_update)
      select ${dateOf('arrival')} as dt, (day::hugeint * 86400 + sec) * 4096 + (n % 512) * 8 + variant as seq,
        subscription_id || '@v' || seq as rkey,
        d_late_arrival, d_conflicting_update, d_null_required, d_orphan_fk, d_invalid_code, d_mixed_timestamp,
        subscription_id,
        case when d_orphan_fk then ${orphanCustomerId('k', F.orphan)} else customer_id end as customer_id,
        case when d_null_required then null else plan_id end as plan_id,
        case when d_invalid_code and ${ri('k', F.which, 2)} = 0 then upper(status) when d_invalid_code then upper(status[1]) || status[2:] || ' ' else status end as status,
        billing_period,
        ${isoUtc(tsOf('started_day', 'started_sec'))} as started_at,
        case when trial_end_day is null then null else ${isoUtc(tsOf('trial_end_day', 'started_sec'))} end as trial_ends_at,
        case when canceled_day is null then null else ${isoUtc(tsOf('canceled_day', 'sec'))} end as canceled_at,
        ${mixedTs(tsOf('day', 'sec'), 'k', F.mixed, 'd_mixed_timestamp')} as updated_at,
        case when seq = 0 then 'insert' else 'update' end as _op,
        seq as _version,
        ${isoUtc(tsOf('arrival', '86399'))} as _extracted_at
      from rows where ${arrives(ctx, 'arrival')}`;
  },
  variants() {
    return [{ columns: ['subscription_id', 'customer_id', 'plan_id', 'status', 'billing_period', 'started_at', 'trial_ends_at', 'canceled_at', 'updated_at', '_op', '_version', '_extracted_at'] }];
  },
};
