insert into "iceberg"."analytics_vault"."s_users" ("hk_user", "hash_diff", "email", "name", "created_at", "is_deleted", "load_ts", "source_lsn", "record_source")
    (
        select "hk_user", "hash_diff", "email", "name", "created_at", "is_deleted", "load_ts", "source_lsn", "record_source"
        from "iceberg"."analytics_vault"."s_users__dbt_tmp"
    )

