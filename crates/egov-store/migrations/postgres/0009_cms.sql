-- The CMS: every save of an item is a revision; the item's row holds what the public sees (status
-- 'published') and where its newest revision stands in the workflow.

ALTER TABLE content_items ADD COLUMN workflow TEXT NOT NULL DEFAULT 'draft';
ALTER TABLE content_items ADD COLUMN head_rev BIGINT NOT NULL DEFAULT 0;
ALTER TABLE content_items ADD COLUMN live_rev BIGINT;
ALTER TABLE content_items ADD COLUMN publish_at BIGINT;
ALTER TABLE content_items ADD COLUMN review_note TEXT NOT NULL DEFAULT '';
UPDATE content_items SET workflow = status;
CREATE INDEX content_scheduled ON content_items (workflow, publish_at);

CREATE TABLE content_revisions (
    id          BIGSERIAL PRIMARY KEY,
    content_id  BIGINT NOT NULL REFERENCES content_items(id) ON DELETE CASCADE,
    number      BIGINT NOT NULL,
    subtype     TEXT NOT NULL,
    date        BIGINT,
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    body        TEXT NOT NULL,
    source      TEXT NOT NULL,
    meta        TEXT NOT NULL,
    author_id   BIGINT REFERENCES users(id),
    author      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    UNIQUE (content_id, number)
);

-- An agency's media library: images (with their size and alt text) and files such as legal acts. The bytes
-- live in the data folder's media directory (data is NULL) or, without one, in the row.
CREATE TABLE media (
    id           BIGSERIAL PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    filename     TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    width        BIGINT,
    height       BIGINT,
    alt          TEXT NOT NULL,
    data         BYTEA,
    uploaded_by  BIGINT REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    UNIQUE (org_id, sha256, filename)
);
CREATE INDEX media_by_org ON media (org_id, created_at DESC);
CREATE INDEX media_by_hash ON media (sha256, filename);
