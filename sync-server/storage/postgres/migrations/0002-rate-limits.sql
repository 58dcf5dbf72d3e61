-- The limits on people (failed attempts, mails sent), counted across every server on this
-- database: one fixed window per limiter and key. Times are milliseconds since the epoch.
CREATE TABLE rate_limits (
	limiter text NOT NULL,
	key text NOT NULL,
	since bigint NOT NULL,
	count bigint NOT NULL,
	PRIMARY KEY (limiter, key)
);

-- Windows that have passed are deleted by limiter and age.
CREATE INDEX rate_limits_since ON rate_limits (limiter, since);
