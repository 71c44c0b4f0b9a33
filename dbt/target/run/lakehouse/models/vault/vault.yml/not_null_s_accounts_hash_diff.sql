
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select hash_diff
from "iceberg"."analytics_vault"."s_accounts"
where hash_diff is null



  
  
      
    ) dbt_internal_test