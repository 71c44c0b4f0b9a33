
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select op
from "iceberg"."analytics_parsed"."parsed_users"
where op is null



  
  
      
    ) dbt_internal_test