-- New users per day (by created_at, UTC) and the running total, over users that exist now
-- (the latest satellite version of each hub key is not a delete).
with latest as (
  select hk_user, max_by(created_at, load_ts) as created_at, max_by(is_deleted, load_ts) as is_deleted
  from {{ ref('s_users') }}
  group by hk_user
),
daily as (
  select cast(created_at at time zone 'UTC' as date) as day, count(*) as new_users
  from latest
  where not is_deleted
  group by 1
)
select day, new_users, sum(new_users) over (order by day) as total_users
from daily
