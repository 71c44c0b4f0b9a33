-- Hub of users: one row per business key (the PostgreSQL id), first seen time and source.
with changes as (
  select user_id, event_ts, record_source
  from {{ ref('parsed_users') }}
  where {{ incremental_window('event_ts') }}
),
first_seen as (
  select user_id, min(event_ts) as load_ts, min(record_source) as record_source
  from changes
  group by user_id
)
select {{ hash_key(['user_id']) }} as hk_user, user_id, load_ts, record_source
from first_seen
{% if is_incremental() %}
where {{ hash_key(['user_id']) }} not in (select hk_user from {{ this }})
{% endif %}
