-- An event's `event_keys` rows (0003) are written by the store's writer with the event (dateline/store/sqlite.py
-- `event_keys`) instead of by a trigger: the trigger made writing an event three times as costly as its row
-- alone (running any trigger costs about 10 µs a row here, and it parsed the record twice for the actor
-- ids). Whatever inserts into `events` now writes the keys too. The actor ids of both participants become
-- columns, filled by the writer, and here from the records of the rows stored before (their keys stay as
-- they were). An update or a delete still keeps the keys by trigger.
-- Statements are split on ";" + newline, so each trigger body stays on one line.
DROP TRIGGER event_keys_insert;
DROP TRIGGER event_keys_update;
ALTER TABLE events ADD COLUMN actor_id TEXT;
ALTER TABLE events ADD COLUMN target_id TEXT;
UPDATE events SET actor_id = json_extract(record, '$.actor.actor_id'), target_id = json_extract(record, '$.target.actor_id');
CREATE TRIGGER event_keys_update AFTER UPDATE ON events BEGIN DELETE FROM event_keys WHERE event_id = old.id; INSERT OR IGNORE INTO event_keys(key, event_id, date_start) SELECT k, new.id, new.date_start FROM (SELECT 'c:' || new.actor_country AS k UNION SELECT 'c:' || new.target_country UNION SELECT 'c:' || new.place_country UNION SELECT 'a:' || new.actor_id UNION SELECT 'a:' || new.target_id) WHERE k IS NOT NULL; END
