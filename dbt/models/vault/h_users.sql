-- Hub of users: one row per business key (the PostgreSQL id), first seen time and source.
{{ hub('parsed_users', 'hk_user', 'user_id') }}
