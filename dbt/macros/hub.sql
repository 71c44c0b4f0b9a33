{#- A Data Vault hub, loaded insert-only from every parsed-layer model that carries its business
    key, as `(model, column)` pairs: one row per key with its hash key, the first time any source
    saw it and that source. Every source of the key, as Data Vault loads hubs: an account's owner
    is a user key even while the user's own change is still on its way (Flink commits each
    topic's table on its own, so the account can land a checkpoint earlier), and the link to it
    finds its hub. Incremental runs read the lookback window and add only keys the hub does not
    hold yet. -#}
{% macro hub(hk, business_key, sources) %}
with changes as (
{%- for model, column in sources %}
  select {{ column }} as {{ business_key }}, event_ts, record_source
  from {{ parsed_at_run_start(model) }}
  where {{ incremental_window('event_ts') }} and {{ column }} is not null
  {%- if not loop.last %}
  union all
  {%- endif %}
{%- endfor %}
),
first_seen as (
  select {{ business_key }}, min(event_ts) as load_ts, min_by(record_source, event_ts) as record_source
  from changes
  group by {{ business_key }}
)
select {{ hash_key([business_key]) }} as {{ hk }}, {{ business_key }}, load_ts, record_source
from first_seen
{% if is_incremental() %}
where {{ hash_key([business_key]) }} not in (select {{ hk }} from {{ this }})
{% endif %}
{% endmacro %}
