{#- A Data Vault hub, loaded insert-only from a parsed-layer model: one row per business key
    with its hash key, the first time it was seen and the source it came from. Incremental runs
    read the lookback window and add only keys the hub does not hold yet. -#}
{% macro hub(source_model, hk, business_key) %}
with changes as (
  select {{ business_key }}, event_ts, record_source
  from {{ parsed_at_run_start(source_model) }}
  where {{ incremental_window('event_ts') }}
),
first_seen as (
  select {{ business_key }}, min(event_ts) as load_ts, min(record_source) as record_source
  from changes
  group by {{ business_key }}
)
select {{ hash_key([business_key]) }} as {{ hk }}, {{ business_key }}, load_ts, record_source
from first_seen
{% if is_incremental() %}
where {{ hash_key([business_key]) }} not in (select {{ hk }} from {{ this }})
{% endif %}
{% endmacro %}
