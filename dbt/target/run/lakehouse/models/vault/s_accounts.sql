insert into "iceberg"."analytics_vault"."s_accounts" ("hk_account", "hash_diff", "balance", "currency", "updated_at", "is_deleted", "load_ts", "source_lsn", "record_source")
    (
        select "hk_account", "hash_diff", "balance", "currency", "updated_at", "is_deleted", "load_ts", "source_lsn", "record_source"
        from "iceberg"."analytics_vault"."s_accounts__dbt_tmp"
    )

