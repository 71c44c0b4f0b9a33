insert into "iceberg"."analytics_vault"."h_users" ("hk_user", "user_id", "load_ts", "record_source")
    (
        select "hk_user", "user_id", "load_ts", "record_source"
        from "iceberg"."analytics_vault"."h_users__dbt_tmp"
    )

