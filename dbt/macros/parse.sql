{#- The parsed layer's typing of the raw CDC log, one macro per captured table, over any relation
    with the raw log's columns: the parsed views apply it to the live log, the vault to the log as
    it stood when the dbt run started (see parsed_at_run_start). -#}
{% macro parse_users(relation) %}
select
  json_extract_scalar(data, '$.id') as user_id,
  json_extract_scalar(data, '$.email') as email,
  json_extract_scalar(data, '$.name') as name,
  cast(from_iso8601_timestamp_nanos(json_extract_scalar(data, '$.created_at')) as timestamp(6) with time zone) as created_at,
  {{ change_columns() }}
from {{ relation }}
{% endmacro %}

{#- Balances arrive as strings: the connector uses decimal.handling.mode=string. -#}
{% macro parse_accounts(relation) %}
select
  json_extract_scalar(data, '$.id') as account_id,
  json_extract_scalar(data, '$.user_id') as user_id,
  cast(json_extract_scalar(data, '$.balance') as decimal(18, 2)) as balance,
  json_extract_scalar(data, '$.currency') as currency,
  cast(from_iso8601_timestamp_nanos(json_extract_scalar(data, '$.updated_at')) as timestamp(6) with time zone) as updated_at,
  {{ change_columns() }}
from {{ relation }}
{% endmacro %}

{#- What every change carries: its operation, commit time, LSN and source. -#}
{% macro change_columns() -%}
op,
  op = 'd' as is_deleted,
  cast(from_unixtime(source_ts_ms / 1e3) as timestamp(6) with time zone) as event_ts,
  event_date,
  source_lsn,
  'postgres.' || source_schema || '.' || source_table as record_source
{%- endmacro %}

{#- The parsed-layer model `model` (parsed_<table>) as a subquery over the raw log as it stood
    when this dbt run started (Iceberg time travel to the snapshot current then). Every vault
    model of one run reads the same snapshots, so a satellite or link never holds a key that the
    hub, built a moment earlier, missed because Flink committed new rows in between. A table with
    no snapshot yet at that time reads as empty. -#}
{% macro parsed_at_run_start(model) -%}
{%- set table = model | replace('parsed_', '', 1) -%}
{%- set raw = source('raw', table) -%}
{%- set as_of = "timestamp '" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ " UTC'" -%}
{%- set pinned = raw ~ ' for timestamp as of ' ~ as_of -%}
{%- if execute -%}
  {%- set snapshots = run_query('select count(*) from ' ~ raw.include(identifier=false) ~ '."' ~ raw.identifier ~ '$snapshots" where committed_at <= ' ~ as_of) -%}
  {%- if snapshots.columns[0].values()[0] == 0 -%}{%- set pinned = '(select * from ' ~ raw ~ ' where false)' -%}{%- endif -%}
{%- endif -%}
(
  -- depends_on: {{ ref(model) }}
{% if table == 'users' %}{{ parse_users(pinned) }}{% elif table == 'accounts' %}{{ parse_accounts(pinned) }}{% else %}{{ exceptions.raise_compiler_error("parsed_at_run_start: no parse macro for the raw table '" ~ table ~ "' (add parse_" ~ table ~ " to macros/parse.sql)") }}{% endif %}
) as parsed
{%- endmacro %}
