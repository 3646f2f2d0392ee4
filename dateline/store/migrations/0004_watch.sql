-- dateline watch: the state of each polled feed, the feed items already taken, and every fetch failure.

-- One row per feed URL. `etag` and `last_modified` are sent back on the next poll (conditional GET, so an
-- unchanged feed costs a 304); `failures` counts consecutive failed polls and spaces the next ones out.
CREATE TABLE feeds (
    url           TEXT PRIMARY KEY,
    name          TEXT,
    etag          TEXT,
    last_modified TEXT,
    last_polled   TEXT,                        -- ISO 8601 UTC, last attempt
    last_ok       TEXT,                        -- last poll that read the feed or got 304
    failures      INTEGER NOT NULL DEFAULT 0,  -- consecutive failed polls
    next_poll     TEXT                         -- not polled before this time (backoff after failures)
);

-- Item URLs taken from feeds. `status`: stored (read into the store, or a duplicate of a stored article),
-- rejected (read but not an article), failed (page not fetched after `attempts` tries, or refused for good),
-- pending (fetch failed for a transient reason; tried again on the next poll).
CREATE TABLE feed_items (
    url        TEXT PRIMARY KEY,
    feed_url   TEXT NOT NULL,
    status     TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL,
    last_try   TEXT NOT NULL
);
CREATE INDEX feed_items_feed ON feed_items(feed_url);

-- Every failed fetch of a feed, page or robots.txt: what, why (the FetchError kind and message) and when.
CREATE TABLE fetch_failures (
    id       INTEGER PRIMARY KEY,
    url      TEXT NOT NULL,
    feed_url TEXT,
    kind     TEXT NOT NULL,                    -- blocked | robots | timeout | network | status | too_large | content_type | redirect | feed
    reason   TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX fetch_failures_at ON fetch_failures(at);
