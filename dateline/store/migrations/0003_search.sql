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
CREATE INDEX events_actor_id ON events(json_extract(record, '$.actor.actor_id'), date_start, id);
CREATE INDEX events_target_id ON events(json_extract(record, '$.target.actor_id'), date_start, id);
CREATE INDEX documents_published_id ON documents(published, id);
CREATE INDEX story_events_date_id ON story_events(date_start, id);
CREATE INDEX story_events_actor_target ON story_events(actor_id, target_id)
