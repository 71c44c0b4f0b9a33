
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select total_users
from "iceberg"."analytics"."user_growth"
where total_users is null



  
  
      
    ) dbt_internal_test