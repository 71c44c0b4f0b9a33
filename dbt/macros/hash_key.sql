{#- Data Vault hash key: MD5 (hex) of the normalised business key columns joined with '||'.
    NULL parts become '' so a key never hashes to NULL. -#}
{% macro hash_key(columns) -%}
lower(to_hex(md5(to_utf8(concat_ws('||', {% for c in columns %}coalesce(upper(trim(cast({{ c }} as varchar))), ''){% if not loop.last %}, {% endif %}{% endfor %})))))
{%- endmacro %}

{#- Satellite hash diff: the same hash over the descriptive attributes (not normalised: a
    change of case is a change). -#}
{% macro hash_diff(columns) -%}
lower(to_hex(md5(to_utf8(concat_ws('||', {% for c in columns %}coalesce(cast({{ c }} as varchar), '^^'){% if not loop.last %}, {% endif %}{% endfor %})))))
{%- endmacro %}

{#- On an incremental run, the raw rows worth re-reading start here: the newest loaded row
    minus the lookback window (see dbt_project.yml). -#}
{% macro window_start() -%}
(select coalesce(max(load_ts), timestamp '1970-01-01 00:00:00 UTC') - interval '{{ var("lookback_minutes") }}' minute from {{ this }})
{%- endmacro %}

{% macro incremental_window(event_ts_column) -%}
{% if is_incremental() %}{{ event_ts_column }} >= {{ window_start() }}{% else %}true{% endif %}
{%- endmacro %}
