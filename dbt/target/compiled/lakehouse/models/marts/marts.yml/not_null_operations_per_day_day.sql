
    
    



select day
from "iceberg"."analytics"."operations_per_day"
where day is null


