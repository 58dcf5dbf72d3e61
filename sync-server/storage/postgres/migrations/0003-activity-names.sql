-- The names each activity entry mentions (its actor, users, teams, projects, invited addresses), as
-- they were when it was checked, as JSON: a later rename or deletion does not rewrite the feed.
-- Entries recorded before have none; the feed shows current names for them.
ALTER TABLE mutations ADD COLUMN names text;
