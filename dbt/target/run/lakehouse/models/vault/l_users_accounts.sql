insert into "iceberg"."analytics_vault"."l_users_accounts" ("hk_user_account", "hk_user", "hk_account", "load_ts", "record_source")
    (
        select "hk_user_account", "hk_user", "hk_account", "load_ts", "record_source"
        from "iceberg"."analytics_vault"."l_users_accounts__dbt_tmp"
    )

