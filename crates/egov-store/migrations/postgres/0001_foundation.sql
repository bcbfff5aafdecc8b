-- Foundation: the deployment, organizations, users, roles, sessions, audit log.
-- Times are UTC milliseconds since the Unix epoch (BIGINT); localized text is a JSON object {"tg": "...", ...}
-- kept as TEXT so that one SQL text serves both backends.

CREATE TABLE deployment (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    instance    TEXT NOT NULL,
    country     TEXT NOT NULL,
    name        TEXT NOT NULL,
    languages   TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE organizations (
    id            BIGSERIAL PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    member_class  TEXT NOT NULL,
    legal_id      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    short_name    TEXT NOT NULL,
    parent_id     BIGINT REFERENCES organizations(id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (member_class, legal_id)
);

CREATE TABLE users (
    id                   BIGSERIAL PRIMARY KEY,
    email                TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           BIGINT NOT NULL,
    password_changed_at  BIGINT NOT NULL
);

CREATE TABLE user_roles (
    user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role     TEXT NOT NULL,
    org_id   BIGINT REFERENCES organizations(id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX user_roles_unique ON user_roles (user_id, role, COALESCE(org_id, 0));
CREATE INDEX user_roles_org ON user_roles (org_id);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    ip            TEXT,
    user_agent    TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE audit_log (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    org_id    BIGINT,
    before    TEXT,
    after     TEXT,
    ip        TEXT
);
CREATE INDEX audit_log_org ON audit_log (org_id, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
