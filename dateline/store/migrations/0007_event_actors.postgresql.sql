-- PostgreSQL variant of 0007_event_actors.sql: the store's writer writes an event's `event_keys` rows with
-- its rows, and the actor ids of both participants are columns of `events`, filled here from the records of
-- the rows stored before (with the trigger off: their keys stay as they were). An update or a delete still
-- keeps the keys by trigger.
DROP TRIGGER event_keys_sync ON events;
ALTER TABLE events ADD COLUMN actor_id TEXT, ADD COLUMN target_id TEXT;
UPDATE events SET actor_id = json_extract(record, '$.actor.actor_id'), target_id = json_extract(record, '$.target.actor_id');

CREATE OR REPLACE FUNCTION event_keys_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM event_keys WHERE event_id = OLD.id;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO event_keys(key, event_id, date_start)
        SELECT DISTINCT k, NEW.id, NEW.date_start
        FROM (VALUES ('c:' || NEW.actor_country), ('c:' || NEW.target_country), ('c:' || NEW.place_country),
                     ('a:' || NEW.actor_id), ('a:' || NEW.target_id)) AS keys(k)
        WHERE k IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER event_keys_sync AFTER UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION event_keys_sync();
