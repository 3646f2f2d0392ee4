-- PostgreSQL variant of 0005_link_search.sql: date arithmetic without julianday(). See the SQLite file for why.
ALTER TABLE story_events ADD COLUMN span_class INTEGER;
ALTER TABLE story_events ADD COLUMN profile TEXT;
UPDATE story_events SET span_class = CASE
    WHEN match_start IS NULL OR match_end IS NULL THEN NULL
    WHEN match_end::date - match_start::date <= 1 THEN 0
    WHEN match_end::date - match_start::date <= 8 THEN 1
    WHEN match_end::date - match_start::date <= 32 THEN 2
    WHEN match_end::date - match_start::date <= 370 THEN 3
    WHEN match_end::date - match_start::date <= 3700 THEN 4
    ELSE 5 END;
DROP INDEX story_events_match
