-- Portal content: every published thing on an agency's site is a content item of some kind.

ALTER TABLE organizations ADD COLUMN description TEXT NOT NULL DEFAULT '{}';
ALTER TABLE organizations ADD COLUMN contacts TEXT NOT NULL DEFAULT '{}';

CREATE TABLE content_items (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id        INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    slug          TEXT NOT NULL,
    subtype       TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    date          BIGINT,
    position      BIGINT NOT NULL DEFAULT 0,
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL,
    body          TEXT NOT NULL,
    meta          TEXT NOT NULL,
    published_at  BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (org_id, kind, slug)
);
CREATE INDEX content_by_kind ON content_items (kind, status, date DESC);
CREATE INDEX content_by_subtype ON content_items (kind, subtype, status, date DESC);
CREATE INDEX content_by_org ON content_items (org_id, kind, status, date DESC);

CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    content_id  INTEGER NOT NULL REFERENCES content_items(id) ON DELETE CASCADE,
    lang        TEXT,
    filename    TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    data        BLOB NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (content_id, filename)
);

-- Bumped in the same transaction as every content change, so each node can tell its cached pages are stale.
CREATE TABLE content_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 0);
