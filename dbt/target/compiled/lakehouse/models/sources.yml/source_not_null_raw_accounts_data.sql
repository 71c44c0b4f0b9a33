
    
    



select data
from "iceberg"."raw_data"."accounts"
where data is null


