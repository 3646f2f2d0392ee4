-- Linking's candidate search (dateline/link.py). A new mention is compared with the story-events of its type,
-- modality and polarity whose match range overlaps its dates. One B-tree cannot bound both ends of a range,
-- so each story-event records how long its range is, as a class (0: up to 1 day, 1: 8 days, 2: 32 days,
-- 3: 370 days, 4: 3,700 days, 5: longer), and the search reads, class by class, only the story-events that
-- start at most that long before the mention: a short index range however large the store grows. The
-- party columns are in the index too, so clashing actors and targets are skipped without reading the rows.
-- `profile` holds what matching reads of a story-event (best actor, target and places, date range, its
-- documents: dateline/link.py Story.pack), so a story-event of thousands of mentions is matched without
-- reading its record; rows written before it have none and are read whole.
ALTER TABLE story_events ADD COLUMN span_class INTEGER;
ALTER TABLE story_events ADD COLUMN profile TEXT;
UPDATE story_events SET span_class = CASE
    WHEN match_start IS NULL OR match_end IS NULL THEN NULL
    WHEN julianday(match_end) - julianday(match_start) <= 1 THEN 0
    WHEN julianday(match_end) - julianday(match_start) <= 8 THEN 1
    WHEN julianday(match_end) - julianday(match_start) <= 32 THEN 2
    WHEN julianday(match_end) - julianday(match_start) <= 370 THEN 3
    WHEN julianday(match_end) - julianday(match_start) <= 3700 THEN 4
    ELSE 5 END;
DROP INDEX story_events_match;
CREATE INDEX story_events_search ON story_events(type, modality, polarity, span_class, match_start, match_end,
                                                 actor_id, actor_country, target_id, target_country)
