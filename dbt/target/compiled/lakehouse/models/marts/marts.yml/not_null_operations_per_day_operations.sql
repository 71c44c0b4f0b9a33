
    
    



select operations
from "iceberg"."analytics"."operations_per_day"
where operations is null


