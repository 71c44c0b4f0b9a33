
    
    



select hk_user
from "iceberg"."analytics_vault"."s_users"
where hk_user is null


