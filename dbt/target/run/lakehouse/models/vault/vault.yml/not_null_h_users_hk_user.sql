
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select hk_user
from "iceberg"."analytics_vault"."h_users"
where hk_user is null



  
  
      
    ) dbt_internal_test