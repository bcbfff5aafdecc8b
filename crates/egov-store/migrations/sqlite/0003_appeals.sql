-- Citizens' appeals: what the assistant hands over to a person at an agency. The only table holding a
-- citizen's personal data (name, contact); created only when the citizen asks for a person.

CREATE TABLE appeals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    number       TEXT NOT NULL UNIQUE,
    org_id       INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    lang         TEXT NOT NULL,
    name         TEXT NOT NULL,
    contact      TEXT NOT NULL,
    question     TEXT NOT NULL,
    status       TEXT NOT NULL,
    answer       TEXT,
    answered_by  INTEGER REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    answered_at  BIGINT
);
CREATE INDEX appeals_by_org ON appeals (org_id, status, created_at DESC);
