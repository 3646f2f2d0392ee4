-- PostgreSQL variant of 0003_search.sql. Full-text search: a GIN index over the same words FTS5 indexes
-- (title and body, the 'simple' configuration: lower-cased words, no stemming, no stop words), queried as
--   to_tsvector('simple', coalesce(title, '') || ' ' || text) @@ websearch_to_tsquery('simple', ?)
-- with ts_rank for order and ts_headline for snippets. The index follows the table: no triggers to keep.
CREATE INDEX documents_fts ON documents USING GIN (to_tsvector('simple', coalesce(title, '') || ' ' || text));

-- Event lists are sorted by (date_start, id) and paged by keyset; each filter column leads an index that
-- ends in that key, so a filtered page reads only its own rows.
CREATE INDEX events_date_id ON events(date_start, id);
CREATE INDEX events_type_date_id ON events(type, date_start, id);
CREATE INDEX events_actor_country_date ON events(actor_country, date_start, id);
CREATE INDEX events_target_country_date ON events(target_country, date_start, id);
CREATE INDEX events_place_country_date ON events(place_country, date_start, id);
CREATE INDEX events_certainty_date ON events(certainty, date_start, id);

-- "Any side" filters read one index range of `event_keys` in date order: one row per distinct key of an
-- event ('c:KP', 'a:KP-GOV'), kept by one trigger, so the event writers need not know about it.
CREATE TABLE event_keys (
    key        TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    date_start TEXT,
    PRIMARY KEY (key, event_id)
);
CREATE INDEX event_keys_date ON event_keys(key, date_start, event_id);
CREATE INDEX event_keys_event ON event_keys(event_id);

CREATE FUNCTION event_keys_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM event_keys WHERE event_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO event_keys(key, event_id, date_start)
        SELECT DISTINCT k, NEW.id, NEW.date_start
        FROM (VALUES ('c:' || NEW.actor_country), ('c:' || NEW.target_country), ('c:' || NEW.place_country),
                     ('a:' || json_extract(NEW.record, '$.actor.actor_id')),
                     ('a:' || json_extract(NEW.record, '$.target.actor_id'))) AS keys(k)
        WHERE k IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER event_keys_sync AFTER INSERT OR UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION event_keys_sync();

INSERT INTO event_keys(key, event_id, date_start)
SELECT DISTINCT k, id, date_start
FROM (SELECT 'c:' || actor_country AS k, id, date_start FROM events
      UNION SELECT 'c:' || target_country, id, date_start FROM events
      UNION SELECT 'c:' || place_country, id, date_start FROM events
      UNION SELECT 'a:' || json_extract(record, '$.actor.actor_id'), id, date_start FROM events
      UNION SELECT 'a:' || json_extract(record, '$.target.actor_id'), id, date_start FROM events) AS keys
WHERE k IS NOT NULL
ON CONFLICT DO NOTHING;
CREATE INDEX documents_published_id ON documents(published, id);
CREATE INDEX story_events_date_id ON story_events(date_start, id);
CREATE INDEX story_events_actor_target ON story_events(actor_id, target_id);
