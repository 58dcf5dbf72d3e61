-- The latest delivery to each organization's webhook, with the URL it went to: one to a webhook
-- since replaced is not shown. Times are milliseconds since the epoch; status is the HTTP status
-- answered, or null with error saying why there was none.
CREATE TABLE webhook_deliveries (
	org_id text PRIMARY KEY,
	url text NOT NULL,
	at bigint NOT NULL,
	status integer,
	error text
);
