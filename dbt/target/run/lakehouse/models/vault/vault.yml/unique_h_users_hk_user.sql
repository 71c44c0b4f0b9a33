
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    hk_user as unique_field,
    count(*) as n_records

from "iceberg"."analytics_vault"."h_users"
where hk_user is not null
group by hk_user
having count(*) > 1



  
  
      
    ) dbt_internal_test