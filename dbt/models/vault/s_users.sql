-- Satellite of users: every version of a user's descriptive attributes (deletes included).
{{ satellite('parsed_users', 'hk_user', 'user_id', ['email', 'name', 'created_at']) }}
