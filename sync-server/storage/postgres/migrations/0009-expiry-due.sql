-- rules §6: each organization's next moment the expiry run has work in it (a reminder 7 days
-- before an expiry, or the expiry; null: none), so that the run visits only the organizations
-- whose moment has passed. seq is the organization's sequence it was worked out at: a write of an
-- older one changes nothing. Times are milliseconds since the epoch.
CREATE TABLE org_expiry_due (
	org_id text PRIMARY KEY,
	due_at bigint,
	seq bigint NOT NULL
);
CREATE INDEX org_expiry_due_at ON org_expiry_due (due_at) WHERE due_at IS NOT NULL;

-- Things done once to a store (name): here, the expiry moments filled from every organization,
-- which a store holding organizations before this table needs once.
CREATE TABLE store_marks (
	name text PRIMARY KEY
);
