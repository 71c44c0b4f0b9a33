
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with child as (
    select hk_account as from_field
    from "iceberg"."analytics_vault"."l_users_accounts"
    where hk_account is not null
),

parent as (
    select hk_account as to_field
    from "iceberg"."analytics_vault"."h_accounts"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null



  
  
      
    ) dbt_internal_test