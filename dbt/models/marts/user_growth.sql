-- New users per day (by created_at, UTC) and the running total, over users that exist now
-- (the newest satellite version of each hub key is not a delete).
with daily as (
  select cast(created_at at time zone 'UTC' as date) as day, count(*) as new_users
  from {{ latest_version('s_users', 'hk_user') }} as latest
  where not is_deleted
  group by 1
)
select day, new_users, sum(new_users) over (order by day) as total_users
from daily
