
    
    



select event_ts
from "iceberg"."analytics_parsed"."parsed_users"
where event_ts is null


