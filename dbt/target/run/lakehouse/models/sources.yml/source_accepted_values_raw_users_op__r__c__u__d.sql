
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        op as value_field,
        count(*) as n_records

    from "iceberg"."raw_data"."users"
    group by op

)

select *
from all_values
where value_field not in (
    'r','c','u','d'
)



  
  
      
    ) dbt_internal_test