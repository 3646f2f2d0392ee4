-- PostgreSQL variant of 0006_bands.sql: BYTEA for BLOB, and no WITHOUT ROWID (a PostgreSQL table has none).
-- The near-duplicate index in the store rather than in memory (dateline.dedupe): the LSH band buckets of each
-- signature. An ingest kept every signature and bucket it indexed in memory, about 3 KB per article, so its
-- memory grew with the number of articles; now it looks candidates up here.

-- One row per (band, bucket) a signature falls in. `bucket` is the band's slice of `signatures.hashes` (its
-- little-endian uint64s): two signatures are candidates when any band's slices are equal.
-- Rows for signatures stored before this table are added when the index next loads.
CREATE TABLE signature_bands (
    band   INTEGER NOT NULL,
    bucket BYTEA NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (band, bucket, doc_id)
)
