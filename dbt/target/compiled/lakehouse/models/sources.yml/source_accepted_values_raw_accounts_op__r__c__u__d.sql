
    
    

with all_values as (

    select
        op as value_field,
        count(*) as n_records

    from "iceberg"."raw_data"."accounts"
    group by op

)

select *
from all_values
where value_field not in (
    'r','c','u','d'
)


