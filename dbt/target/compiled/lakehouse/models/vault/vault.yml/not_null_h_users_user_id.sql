
    
    



select user_id
from "iceberg"."analytics_vault"."h_users"
where user_id is null


