-- fx_rates has exactly one rate per currency for every day from its first to its last: staging
-- converts money with the rate of the day it happened, so a missing or a second rate would drop or
-- double rows. Returns each break as (currency, day, rates that day): a day with more than one
-- rate; the first day of a gap (a day no row has, for any currency, is a gap too); and a currency
-- with no rate, or whose rates start later or end sooner than the others'.
with rates as (
    select currency, rate_date, count(*) as rates
    from {{ ref('fx_rates') }}
    group by currency, rate_date
),
span as (
    select min(rate_date) as first_day, max(rate_date) as last_day from {{ ref('fx_rates') }}
),
per_currency as (
    select c.currency_code as currency, min(r.rate_date) as first_day, max(r.rate_date) as last_day
    from {{ ref('currencies') }} as c
    left join rates as r on r.currency = c.currency_code
    group by c.currency_code
),
next_days as (
    select currency, rate_date, lead(rate_date) over (partition by currency order by rate_date) as next_day
    from rates
)
select currency, rate_date, rates from rates where rates > 1
union all
select currency, date_add(rate_date, interval 1 day) as rate_date, 0 as rates
from next_days
where next_day is not null and next_day <> date_add(rate_date, interval 1 day)
union all
select p.currency, coalesce(p.first_day, s.first_day) as rate_date, 0 as rates
from per_currency as p
cross join span as s
where p.first_day is null or p.first_day <> s.first_day or p.last_day <> s.last_day
