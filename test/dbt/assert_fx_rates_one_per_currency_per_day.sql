-- fx_rates has exactly one rate per currency for every day it covers: staging converts money
-- with the rate of the day it happened, so a missing or a second rate would drop or double rows.
-- Returns the (currency, day) pairs that break it.
with days as (
    select distinct rate_date from {{ ref('fx_rates') }}
),
counted as (
    select currency, rate_date, count(*) as rates
    from {{ ref('fx_rates') }}
    group by currency, rate_date
)
select c.currency_code as currency, d.rate_date, coalesce(n.rates, 0) as rates
from {{ ref('currencies') }} as c
cross join days as d
left join counted as n on n.currency = c.currency_code and n.rate_date = d.rate_date
where coalesce(n.rates, 0) <> 1
