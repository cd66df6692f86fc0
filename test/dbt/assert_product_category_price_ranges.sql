-- Every marketplace category has a positive price range, lowest below highest: the generator
-- draws unit prices inside it. Returns the categories that break it.
select category_id, min_price_usd, max_price_usd
from {{ ref('product_categories') }}
where min_price_usd <= 0 or max_price_usd <= min_price_usd
