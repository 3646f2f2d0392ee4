-- PostgreSQL variant of 0002_across.sql: BYTEA for BLOB, DOUBLE PRECISION for REAL, and `signatures.rowid`
-- (insertion order, which the near-duplicate index reloads by).
-- Across articles (dedupe, link): near-duplicate signatures and links, story-events and their mentions.

-- MinHash signature of each stored document's body, so the LSH index is rebuilt after a restart without
-- re-reading every text. `perms` is the number of permutations the signature was made with.
CREATE TABLE signatures (
    doc_id TEXT PRIMARY KEY,
    perms  INTEGER NOT NULL,
    seed   INTEGER NOT NULL,
    hashes BYTEA NOT NULL,                    -- little-endian uint64 array
    rowid  BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
);

-- Inputs found to be near copies of an earlier document; they are not extracted again.
CREATE TABLE duplicates (
    doc_id      TEXT PRIMARY KEY,             -- content id of the copy (never stored in documents)
    original_id TEXT NOT NULL,                -- the first copy
    similarity  DOUBLE PRECISION NOT NULL,                -- estimated Jaccard similarity of word shingles
    source      TEXT,
    url         TEXT,
    outlet      TEXT,
    title       TEXT,
    published   TEXT,
    found_at    TEXT NOT NULL
);
CREATE INDEX duplicates_original ON duplicates(original_id);

-- One real-world event reported by one or more event mentions. Summary columns are recomputed from the
-- mentions whenever one joins; `record` holds the summary as JSON (best date and place, conflicts).
CREATE TABLE story_events (
    id             TEXT PRIMARY KEY,          -- "s-" + the event id of the founding mention
    seq            INTEGER NOT NULL,          -- creation order, for deterministic tie-breaks
    type           TEXT NOT NULL,
    mode           TEXT,
    cameo          TEXT,
    modality       TEXT NOT NULL,
    polarity       TEXT NOT NULL,
    actor_id       TEXT,
    actor_country  TEXT,
    target_id      TEXT,
    target_country TEXT,
    place_name     TEXT,
    place_id       TEXT,
    place_country  TEXT,
    date_start     TEXT,                      -- best-resolved date (narrowest precision)
    date_end       TEXT,
    precision      TEXT,
    match_start    TEXT,                      -- range new mentions are matched against
    match_end      TEXT,
    first_seen     TEXT,
    last_seen      TEXT,
    mentions       INTEGER NOT NULL,
    articles       INTEGER NOT NULL,
    outlets        INTEGER NOT NULL,
    certainty      TEXT,
    historical     INTEGER NOT NULL,
    conflicts      INTEGER NOT NULL,
    record         TEXT NOT NULL
);
CREATE INDEX story_events_match ON story_events(type, match_start, match_end);

CREATE TABLE story_mentions (
    event_id TEXT PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    story_id TEXT NOT NULL REFERENCES story_events(id) ON DELETE CASCADE,
    doc_id   TEXT NOT NULL
);
CREATE INDEX story_mentions_story ON story_mentions(story_id)
