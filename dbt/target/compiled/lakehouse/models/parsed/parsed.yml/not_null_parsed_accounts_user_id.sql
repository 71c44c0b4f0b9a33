
    
    



select user_id
from "iceberg"."analytics_parsed"."parsed_accounts"
where user_id is null


