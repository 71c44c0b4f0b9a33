
    
    



select op
from "iceberg"."analytics_parsed"."parsed_users"
where op is null


