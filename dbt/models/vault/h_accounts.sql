-- Hub of accounts: one row per business key (the PostgreSQL id), first seen time and source.
with changes as (
  select account_id, event_ts, record_source
  from {{ ref('parsed_accounts') }}
  where {{ incremental_window('event_ts') }}
),
first_seen as (
  select account_id, min(event_ts) as load_ts, min(record_source) as record_source
  from changes
  group by account_id
)
select {{ hash_key(['account_id']) }} as hk_account, account_id, load_ts, record_source
from first_seen
{% if is_incremental() %}
where {{ hash_key(['account_id']) }} not in (select hk_account from {{ this }})
{% endif %}
