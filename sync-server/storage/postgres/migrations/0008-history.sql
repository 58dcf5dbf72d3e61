-- The organization's history (rules §2 "History"): when each logged batch of changes was committed, by the
-- server's clock. Batches logged before this have none: the history starts at the first timed one.
alter table org_changes add column at bigint;
