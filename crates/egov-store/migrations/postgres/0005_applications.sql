-- Access applications: a member asks, for one of its subsystems, to use a service; the provider decides. An
-- approved application becomes a grant, which can be revoked. Comments thread the conversation; notifications
-- tell the other side that something needs them.

CREATE TABLE access_applications (
    id             BIGSERIAL PRIMARY KEY,
    consumer_id    BIGINT NOT NULL REFERENCES subsystems(id) ON DELETE CASCADE,
    service_id     BIGINT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    environment    TEXT NOT NULL,
    endpoints      TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    legal_basis    TEXT NOT NULL,
    status         TEXT NOT NULL,
    due_at         BIGINT NOT NULL,
    applied_by     BIGINT NOT NULL REFERENCES users(id),
    created_at     BIGINT NOT NULL,
    decided_by     BIGINT REFERENCES users(id),
    decided_at     BIGINT,
    reason         TEXT
);
CREATE INDEX applications_by_service ON access_applications (service_id, status);
CREATE INDEX applications_by_consumer ON access_applications (consumer_id, status);

CREATE TABLE application_comments (
    id              BIGSERIAL PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES access_applications(id) ON DELETE CASCADE,
    author          BIGINT NOT NULL REFERENCES users(id),
    text            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE TABLE grants (
    id              BIGSERIAL PRIMARY KEY,
    application_id  BIGINT NOT NULL UNIQUE REFERENCES access_applications(id) ON DELETE CASCADE,
    consumer_id     BIGINT NOT NULL REFERENCES subsystems(id) ON DELETE CASCADE,
    service_id      BIGINT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    environment     TEXT NOT NULL,
    endpoints       TEXT NOT NULL,
    quota           BIGINT NOT NULL,
    expires_at      BIGINT,
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT,
    revoked_by      BIGINT REFERENCES users(id)
);
CREATE INDEX grants_by_consumer ON grants (consumer_id, service_id);

CREATE TABLE notifications (
    id          BIGSERIAL PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    message     TEXT NOT NULL,
    link        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX notifications_by_org ON notifications (org_id, created_at DESC);
