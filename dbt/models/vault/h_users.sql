-- Hub of users: one row per business key (the PostgreSQL id), first seen time and source. Users
-- are loaded from their own changes and from accounts' owners (macros/hub.sql says why).
{{ hub('hk_user', 'user_id', [('parsed_users', 'user_id'), ('parsed_accounts', 'user_id')]) }}
