import type Database from 'better-sqlite3';

/**
 * rules §6: each organization's next moment the expiry run has work in it (null: none), with the
 * organization's sequence it was worked out at, so that a late write of an older state changes
 * nothing; and the mark that it was once filled from every organization (a store older than the
 * table was not). The SQL of SqliteDocuments' expiry methods (DocumentStore).
 */
const SCHEMA = `
create table if not exists org_expiry_due (
	org_id text primary key,
	due_at integer,
	seq integer not null
) without rowid;
create index if not exists org_expiry_due_at on org_expiry_due(due_at) where due_at is not null;
-- Things done once to a store (name): here, the expiry moments filled from every organization.
create table if not exists store_marks (
	name text primary key
) without rowid;
`;

const FILLED = 'expiry_due_filled';

export class SqliteExpiryDue {
	private readonly q;

	constructor(db: Database.Database) {
		db.exec(SCHEMA);
		this.q = {
			keep: db.prepare(
				`insert into org_expiry_due (org_id, due_at, seq) values (?, ?, ?)
				 on conflict (org_id) do update set due_at = excluded.due_at, seq = excluded.seq where excluded.seq > org_expiry_due.seq`
			),
			due: db.prepare('select org_id from org_expiry_due where due_at <= ? order by due_at'),
			filled: db.prepare('select 1 from store_marks where name = ?'),
			markFilled: db.prepare('insert or ignore into store_marks values (?)')
		};
	}

	keep(orgId: string, dueAt: number | null, seq: number) {
		this.q.keep.run(orgId, dueAt, seq);
	}

	dueBy(now: number): string[] {
		return (this.q.due.all(now) as { org_id: string }[]).map((r) => r.org_id);
	}

	filled(): boolean {
		return this.q.filled.get(FILLED) !== undefined;
	}

	markFilled() {
		this.q.markFilled.run(FILLED);
	}
}
