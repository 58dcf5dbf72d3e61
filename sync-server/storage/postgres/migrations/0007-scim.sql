-- rules §5 provisioning (docs/scim.md): the externalId an identity provider gave a user it
-- provisioned into an organization (one per user: a provisioned user belongs to one organization).
CREATE TABLE scim_users (
	org_id text NOT NULL,
	external_id text NOT NULL,
	user_id text NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
	PRIMARY KEY (org_id, external_id)
);
