
  
    

    create table "iceberg"."analytics"."operations_per_day__dbt_tmp"
      
      
    as (
      -- Change operations per day and table (r = snapshot read, c = insert, u = update, d = delete).
with events as (
  select event_date, 'users' as table_name, op from "iceberg"."analytics_parsed"."parsed_users"
  union all
  select event_date, 'accounts', op from "iceberg"."analytics_parsed"."parsed_accounts"
)
select event_date as day, table_name, op, count(*) as operations
from events
group by event_date, table_name, op
    );

  