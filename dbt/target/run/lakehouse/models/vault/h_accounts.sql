insert into "iceberg"."analytics_vault"."h_accounts" ("hk_account", "account_id", "load_ts", "record_source")
    (
        select "hk_account", "account_id", "load_ts", "record_source"
        from "iceberg"."analytics_vault"."h_accounts__dbt_tmp"
    )

