-- Credentials of subsystems for calling the gateway: bearer tokens (only their SHA-256 is kept; the token is
-- shown once when issued). Client certificates of the deployment CA will join this table.

CREATE TABLE credentials (
    id            BIGSERIAL PRIMARY KEY,
    subsystem_id  BIGINT NOT NULL REFERENCES subsystems(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    label         TEXT NOT NULL,
    secret_hash   TEXT NOT NULL UNIQUE,
    expires_at    BIGINT NOT NULL,
    created_by    BIGINT REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT
);
CREATE INDEX credentials_by_subsystem ON credentials (subsystem_id);
