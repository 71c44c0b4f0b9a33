{#- The newest version of every key of a satellite. Versions of one transaction share their
    commit time, so the LSN breaks the tie. -#}
{% macro latest_version(satellite, hk) -%}
(
  select *
  from (
    select s.*, row_number() over (partition by {{ hk }} order by load_ts desc, source_lsn desc) as newest
    from {{ ref(satellite) }} as s
  ) as versions
  where newest = 1
)
{%- endmacro %}
