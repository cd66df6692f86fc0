-- Every country's standard-time UTC offset is a whole number of quarter hours from UTC-12 to
-- UTC+14 (Nepal's +5:45 is the finest step, Kiribati's Line Islands the farthest east): local
-- times are derived from it. Returns the countries that break it.
select alpha_2, utc_offset_minutes
from {{ ref('iso_countries') }}
where utc_offset_minutes % 15 <> 0
    or utc_offset_minutes < -720
    or utc_offset_minutes > 840
