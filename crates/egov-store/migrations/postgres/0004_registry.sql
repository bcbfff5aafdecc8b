-- The bridge's registry: members' information systems (subsystems) and the services they offer, named the
-- way X-Road names them (instance / member class / member code / subsystem / service).

CREATE TABLE subsystems (
    id          BIGSERIAL PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    contact     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, code)
);

CREATE TABLE services (
    id              BIGSERIAL PRIMARY KEY,
    subsystem_id    BIGINT NOT NULL REFERENCES subsystems(id) ON DELETE CASCADE,
    code            TEXT NOT NULL,
    passport        TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    category        TEXT NOT NULL,
    production_url  TEXT,
    test_url        TEXT,
    openapi         TEXT,
    personal_data   BOOLEAN NOT NULL,
    rate_limit      BIGINT NOT NULL,
    sla             TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (subsystem_id, code)
);
CREATE INDEX services_by_status ON services (status, category);

-- A service's operations (from its OpenAPI document): what grants name and the gateway checks.
CREATE TABLE service_endpoints (
    service_id  BIGINT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    PRIMARY KEY (service_id, method, path)
);
