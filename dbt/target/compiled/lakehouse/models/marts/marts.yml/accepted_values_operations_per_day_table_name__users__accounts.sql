
    
    

with all_values as (

    select
        table_name as value_field,
        count(*) as n_records

    from "iceberg"."analytics"."operations_per_day"
    group by table_name

)

select *
from all_values
where value_field not in (
    'users','accounts'
)


