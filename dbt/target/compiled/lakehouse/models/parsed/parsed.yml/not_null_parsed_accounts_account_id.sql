
    
    



select account_id
from "iceberg"."analytics_parsed"."parsed_accounts"
where account_id is null


