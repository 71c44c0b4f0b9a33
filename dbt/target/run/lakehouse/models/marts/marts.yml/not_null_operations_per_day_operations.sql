
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select operations
from "iceberg"."analytics"."operations_per_day"
where operations is null



  
  
      
    ) dbt_internal_test