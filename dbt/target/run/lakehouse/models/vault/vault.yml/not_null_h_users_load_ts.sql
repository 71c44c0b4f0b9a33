
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select load_ts
from "iceberg"."analytics_vault"."h_users"
where load_ts is null



  
  
      
    ) dbt_internal_test