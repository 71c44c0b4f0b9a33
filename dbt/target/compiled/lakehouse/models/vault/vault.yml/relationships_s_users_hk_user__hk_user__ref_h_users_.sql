
    
    

with child as (
    select hk_user as from_field
    from "iceberg"."analytics_vault"."s_users"
    where hk_user is not null
),

parent as (
    select hk_user as to_field
    from "iceberg"."analytics_vault"."h_users"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


