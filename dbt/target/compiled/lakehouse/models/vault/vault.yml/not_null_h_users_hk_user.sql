
    
    



select hk_user
from "iceberg"."analytics_vault"."h_users"
where hk_user is null


