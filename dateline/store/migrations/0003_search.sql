-- Read side of the HTTP API and dashboard: full-text search over documents and indexes for the filtered,
-- cursor-paginated event lists. Statements are split on ";" + newline, so each trigger body stays on one line.

-- FTS5 index over title and body, an external-content table over `documents` (no second copy of the text),
-- kept in sync by the triggers below and filled from the documents already stored.
CREATE VIRTUAL TABLE documents_fts USING fts5(title, text, content='documents', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN INSERT INTO documents_fts(rowid, title, text) VALUES (new.rowid, coalesce(new.title, ''), new.text); END;
CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN INSERT INTO documents_fts(documents_fts, rowid, title, text) VALUES ('delete', old.rowid, coalesce(old.title, ''), old.text); END;
CREATE TRIGGER documents_fts_update AFTER UPDATE OF title, text ON documents BEGIN INSERT INTO documents_fts(documents_fts, rowid, title, text) VALUES ('delete', old.rowid, coalesce(old.title, ''), old.text); INSERT INTO documents_fts(rowid, title, text) VALUES (new.rowid, coalesce(new.title, ''), new.text); END;
INSERT INTO documents_fts(documents_fts) VALUES ('rebuild');

-- Event lists are sorted by (date_start, id) and paged by keyset; each filter column leads an index that
-- ends in that key, so a filtered page reads only its own rows. The actor filter looks inside the record.
CREATE INDEX events_date_id ON events(date_start, id);
CREATE INDEX events_type_date_id ON events(type, date_start, id);
CREATE INDEX events_actor_country_date ON events(actor_country, date_start, id);
CREATE INDEX events_target_country_date ON events(target_country, date_start, id);
CREATE INDEX events_place_country_date ON events(place_country, date_start, id);
CREATE INDEX events_certainty_date ON events(certainty, date_start, id);
-- "Any side" filters (a country as actor, target or place; an actor id as actor or target) read one index
-- range of `event_keys` in date order instead of merging three: one row per distinct key of an event
-- ('c:KP', 'a:KP-GOV'), kept by triggers, so the event writers need not know about it.
CREATE TABLE event_keys (
    key        TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    date_start TEXT,
    PRIMARY KEY (key, event_id)
) WITHOUT ROWID;
CREATE INDEX event_keys_date ON event_keys(key, date_start, event_id);
CREATE INDEX event_keys_event ON event_keys(event_id);
CREATE TRIGGER event_keys_insert AFTER INSERT ON events BEGIN INSERT OR IGNORE INTO event_keys(key, event_id, date_start) SELECT k, new.id, new.date_start FROM (SELECT 'c:' || new.actor_country AS k UNION SELECT 'c:' || new.target_country UNION SELECT 'c:' || new.place_country UNION SELECT 'a:' || json_extract(new.record, '$.actor.actor_id') UNION SELECT 'a:' || json_extract(new.record, '$.target.actor_id')) WHERE k IS NOT NULL; END;
CREATE TRIGGER event_keys_delete AFTER DELETE ON events BEGIN DELETE FROM event_keys WHERE event_id = old.id; END;
CREATE TRIGGER event_keys_update AFTER UPDATE ON events BEGIN DELETE FROM event_keys WHERE event_id = old.id; INSERT OR IGNORE INTO event_keys(key, event_id, date_start) SELECT k, new.id, new.date_start FROM (SELECT 'c:' || new.actor_country AS k UNION SELECT 'c:' || new.target_country UNION SELECT 'c:' || new.place_country UNION SELECT 'a:' || json_extract(new.record, '$.actor.actor_id') UNION SELECT 'a:' || json_extract(new.record, '$.target.actor_id')) WHERE k IS NOT NULL; END;
INSERT OR IGNORE INTO event_keys(key, event_id, date_start) SELECT k, id, date_start FROM (SELECT 'c:' || actor_country AS k, id, date_start FROM events UNION SELECT 'c:' || target_country, id, date_start FROM events UNION SELECT 'c:' || place_country, id, date_start FROM events UNION SELECT 'a:' || json_extract(record, '$.actor.actor_id'), id, date_start FROM events UNION SELECT 'a:' || json_extract(record, '$.target.actor_id'), id, date_start FROM events) WHERE k IS NOT NULL;
CREATE INDEX documents_published_id ON documents(published, id);
CREATE INDEX story_events_date_id ON story_events(date_start, id);
CREATE INDEX story_events_type_date_id ON story_events(type, date_start, id);
CREATE INDEX story_events_actor_target ON story_events(actor_id, target_id)
