-- The gateway's message log, a transparency log per gateway node: one leaf per call (its canonical JSON
-- record is the leaf's data), the tree's stored hashes (RFC 6962 hashing, hex, indexed as in Go's
-- sumdb/tlog: about two per leaf) and the node's signed checkpoints (C2SP signed notes). Append-only:
-- nothing here is ever updated or deleted by the platform.

CREATE TABLE gateway_log (
    node        TEXT NOT NULL,
    idx         BIGINT NOT NULL,
    message_id  TEXT NOT NULL,
    at          BIGINT NOT NULL,
    client      TEXT NOT NULL,
    service     TEXT NOT NULL,
    user_id     TEXT,
    status      INTEGER NOT NULL,
    error       TEXT,
    duration_us BIGINT NOT NULL,
    record      TEXT NOT NULL,
    PRIMARY KEY (node, idx)
);
CREATE INDEX gateway_log_by_message ON gateway_log (message_id);
CREATE INDEX gateway_log_by_client ON gateway_log (client, at);
CREATE INDEX gateway_log_by_service ON gateway_log (service, at);
CREATE INDEX gateway_log_by_time ON gateway_log (at);

CREATE TABLE gateway_log_hashes (
    node  TEXT NOT NULL,
    idx   BIGINT NOT NULL,
    hash  TEXT NOT NULL,
    PRIMARY KEY (node, idx)
);

CREATE TABLE gateway_checkpoints (
    node        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    note        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (node, size)
);
