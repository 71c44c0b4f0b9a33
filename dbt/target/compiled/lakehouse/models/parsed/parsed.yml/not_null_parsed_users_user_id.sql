
    
    



select user_id
from "iceberg"."analytics_parsed"."parsed_users"
where user_id is null


