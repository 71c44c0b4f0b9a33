-- Link of each account to the user who owns it (accounts.user_id), one row per pair.
with changes as (
  select user_id, account_id, event_ts, record_source
  from {{ parsed_at_run_start('parsed_accounts') }}
  where {{ incremental_window('event_ts') }}
),
pairs as (
  select user_id, account_id, min(event_ts) as load_ts, min(record_source) as record_source
  from changes
  group by user_id, account_id
)
select
  {{ hash_key(['user_id', 'account_id']) }} as hk_user_account,
  {{ hash_key(['user_id']) }} as hk_user,
  {{ hash_key(['account_id']) }} as hk_account,
  load_ts,
  record_source
from pairs
{% if is_incremental() %}
where {{ hash_key(['user_id', 'account_id']) }} not in (select hk_user_account from {{ this }})
{% endif %}
