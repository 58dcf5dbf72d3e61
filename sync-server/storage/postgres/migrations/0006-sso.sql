-- rules §2 single sign-on: the identity provider a session was signed in through (null: a password
-- sign-in), and which Roster user each provider's subject is. Times are milliseconds since the epoch.
ALTER TABLE sessions ADD COLUMN sso_provider text;

CREATE TABLE sso_links (
	provider text NOT NULL,
	subject text NOT NULL,
	user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at bigint NOT NULL,
	PRIMARY KEY (provider, subject)
);
CREATE INDEX sso_links_user ON sso_links (user_id);
