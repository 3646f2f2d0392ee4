-- PostgreSQL variant of 0001_init.sql: the same tables and columns, in PostgreSQL's words. The column
-- `end` is quoted (a reserved word here), and `documents` and `events` carry `rowid`, the insertion order
-- that SQLite gives every table, because readers order by it.
-- Documents keyed by a hash of their body text; every child row belongs to one document and is written in
-- the same transaction as it.
CREATE TABLE documents (
    id          TEXT PRIMARY KEY,
    url         TEXT,
    source_path TEXT,
    outlet      TEXT,
    title       TEXT,
    authors     TEXT NOT NULL DEFAULT '[]',   -- JSON list
    published   TEXT,
    language    TEXT,
    dateline    TEXT,
    text        TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    reading     TEXT NOT NULL,                -- the whole reading as the JSON output contract
    rowid       BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX documents_published ON documents(published);

CREATE TABLE sentences (
    doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx    INTEGER NOT NULL,
    start  INTEGER NOT NULL,
    "end"  INTEGER NOT NULL,
    PRIMARY KEY (doc_id, idx)
);

CREATE TABLE entities (
    doc_id   TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx      INTEGER NOT NULL,
    text     TEXT NOT NULL,
    start    INTEGER NOT NULL,
    "end"    INTEGER NOT NULL,
    label    TEXT NOT NULL,
    actor_id TEXT,
    actor    TEXT,                            -- JSON actor record
    place_id TEXT,
    country  TEXT,
    place    TEXT,                            -- JSON place record
    PRIMARY KEY (doc_id, idx)
);
CREATE INDEX entities_actor ON entities(actor_id);
CREATE INDEX entities_label ON entities(label);

CREATE TABLE times (
    doc_id      TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    text        TEXT NOT NULL,
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    value       TEXT,
    range_start TEXT,
    range_end   TEXT,
    precision   TEXT,
    PRIMARY KEY (doc_id, idx)
);

CREATE TABLE events (
    id            TEXT PRIMARY KEY,
    doc_id        TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    type          TEXT NOT NULL,
    mode          TEXT,
    cameo         TEXT,
    trigger       TEXT NOT NULL,
    sentence_start INTEGER NOT NULL,
    sentence_end  INTEGER NOT NULL,
    actor_country TEXT,
    target_country TEXT,
    place_country TEXT,
    date_start    TEXT,
    date_end      TEXT,
    precision     TEXT,
    certainty     TEXT NOT NULL,
    polarity      TEXT NOT NULL,
    modality      TEXT NOT NULL,
    historical    INTEGER NOT NULL,
    record        TEXT NOT NULL,              -- JSON event record
    rowid         BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX events_doc ON events(doc_id);
CREATE INDEX events_type_date ON events(type, date_start);

CREATE TABLE statistics (
    doc_id  TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx     INTEGER NOT NULL,
    measure TEXT NOT NULL,
    record  TEXT NOT NULL,
    PRIMARY KEY (doc_id, idx)
);

-- Inputs that could not be read, with the reason and the fix; one row per input source, latest reason.
CREATE TABLE rejected (
    source   TEXT PRIMARY KEY,
    reason   TEXT NOT NULL,
    fix      TEXT,
    kind     TEXT NOT NULL,
    at       TEXT NOT NULL
);

-- SQLite's functions that the store's readers use, so their SQL runs on both stores.
-- json_extract(text, '$.path') returns text: a number comes back as its digits, an object or list as JSON.
CREATE FUNCTION json_extract(doc TEXT, path TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT jsonb_path_query_first(doc::jsonb, path::jsonpath) #>> '{}' $$;

-- SUM(a IS NULL): SQLite counts true as 1.
CREATE FUNCTION dateline_sum_bool(total BIGINT, value BOOLEAN) RETURNS BIGINT LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN value IS NULL THEN total ELSE coalesce(total, 0) + value::int END $$;
CREATE AGGREGATE sum(BOOLEAN) (SFUNC = dateline_sum_bool, STYPE = BIGINT);

-- group_concat(x [, separator]): the values joined by ',' (or the separator), NULLs left out.
CREATE FUNCTION dateline_concat(acc TEXT, value TEXT, sep TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN value IS NULL THEN acc WHEN acc IS NULL THEN value ELSE acc || sep || value END $$;
CREATE FUNCTION dateline_concat(acc TEXT, value TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT dateline_concat(acc, value, ',') $$;
CREATE AGGREGATE group_concat(TEXT) (SFUNC = dateline_concat, STYPE = TEXT);
CREATE AGGREGATE group_concat(TEXT, TEXT) (SFUNC = dateline_concat, STYPE = TEXT);
