{#- A Data Vault satellite with history, loaded insert-only from a parsed-layer model.
    A row is a new version of its key when its hash diff differs from the version before it
    (in commit order: event time, then LSN). Incremental runs re-read the lookback window,
    skip versions already loaded (same key, LSN and load time) and compare the window's first
    row of each key with the key's last version before the window. -#}
{% macro satellite(source_model, hk, business_key, attributes) %}
with changes as (
  select
    {{ hash_key([business_key]) }} as {{ hk }},
    {{ hash_diff(attributes + ['is_deleted']) }} as hash_diff,
    {{ attributes | join(', ') }},
    is_deleted,
    event_ts as load_ts,
    source_lsn,
    record_source
  from {{ parsed_at_run_start(source_model) }}
  where {{ incremental_window('event_ts') }}
),
chained as (
  select *, lag(hash_diff) over (partition by {{ hk }} order by load_ts, source_lsn) as previous_diff
  from changes
)
{% if is_incremental() %}
, before_window as (
  select {{ hk }}, hash_diff
  from (
    select {{ hk }}, hash_diff, row_number() over (partition by {{ hk }} order by load_ts desc, source_lsn desc) as newest
    from {{ this }}
    where load_ts < {{ window_start() }}
  ) as versions
  where newest = 1
)
select c.{{ hk }}, c.hash_diff, {% for a in attributes %}c.{{ a }}, {% endfor %}c.is_deleted, c.load_ts, c.source_lsn, c.record_source
from chained c
left join before_window b on b.{{ hk }} = c.{{ hk }}
where coalesce(c.previous_diff, b.hash_diff, '') <> c.hash_diff
  and not exists (
    select 1 from {{ this }} t
    where t.{{ hk }} = c.{{ hk }} and t.source_lsn = c.source_lsn and t.load_ts = c.load_ts
  )
{% else %}
select {{ hk }}, hash_diff, {% for a in attributes %}{{ a }}, {% endfor %}is_deleted, load_ts, source_lsn, record_source
from chained
where coalesce(previous_diff, '') <> hash_diff
{% endif %}
{% endmacro %}
