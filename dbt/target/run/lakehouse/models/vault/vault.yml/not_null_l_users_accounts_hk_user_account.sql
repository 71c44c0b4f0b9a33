
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select hk_user_account
from "iceberg"."analytics_vault"."l_users_accounts"
where hk_user_account is null



  
  
      
    ) dbt_internal_test