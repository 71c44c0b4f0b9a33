
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select data
from "iceberg"."raw_data"."users"
where data is null



  
  
      
    ) dbt_internal_test