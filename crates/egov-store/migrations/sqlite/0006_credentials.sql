-- Credentials of subsystems for calling the gateway: bearer tokens (only their SHA-256 is kept; the token is
-- shown once when issued). Client certificates of the deployment CA will join this table.

CREATE TABLE credentials (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    subsystem_id  INTEGER NOT NULL REFERENCES subsystems(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    label         TEXT NOT NULL,
    secret_hash   TEXT NOT NULL UNIQUE,
    expires_at    BIGINT NOT NULL,
    created_by    INTEGER REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT
);
CREATE INDEX credentials_by_subsystem ON credentials (subsystem_id);
