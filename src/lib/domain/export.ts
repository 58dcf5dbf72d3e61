import { effectiveContact } from './contacts.ts';
import type { OrgDocState } from './org-doc.ts';
import { ContactKind } from './schemas.ts';

/**
 * An organization's data as its owners download it before closing (the mLab seed's
 * step): members, teams, projects with assignments, invitations, deployments,
 * contacts and invoices. Documents hold no secrets (an invoice names a card by brand
 * and last 4 digits only), so neither does this.
 */
export function orgExport(state: OrgDocState, now: number) {
	const org = state.org();
	if (!org) return undefined;
	return {
		exportedAt: new Date(now).toISOString(),
		organization: org,
		contacts: Object.fromEntries(ContactKind.options.map((kind) => [kind, effectiveContact(state, kind)])),
		members: state.members().map((m) => ({ ...m, primaryAdmin: m.userId === org.primaryAdminId })),
		teams: state.teams().map((t) => ({ ...t, memberIds: state.teamMemberIds(t.id) })),
		invitations: state.invitations(),
		invoices: state
			.billing()
			.invoices()
			.sort((a, b) => a.period.start - b.period.start || a.period.end - b.period.end),
		projects: state.projectIds().flatMap((id) => {
			const p = state.project(id)!;
			const meta = p.project();
			if (!meta) return [];
			return [
				{
					...meta,
					users: p.users(),
					teams: p.teams(),
					invitations: p.invitations(),
					joinRequests: p.joinRequests(),
					deployments: p.deployments()
				}
			];
		})
	};
}

const COLUMNS = ['username', 'email', 'email_verified', 'display_name', 'role', 'primary_admin', 'joined_at'] as const;

/** RFC 4180 quoting; a leading = + - @ is defused so a spreadsheet never runs a cell as a formula. */
function cell(value: string | number | boolean): string {
	let text = String(value);
	if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\r\n']/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The member list as CSV, one row per member, sorted by username. */
export function membersCsv(state: OrgDocState): string {
	const adminId = state.org()?.primaryAdminId;
	const rows = state
		.members()
		.sort((a, b) => (a.username < b.username ? -1 : 1))
		.map((m) => [m.username, m.email, m.emailVerified, m.displayName, m.role, m.userId === adminId, new Date(m.joinedAt).toISOString()]);
	return csv(COLUMNS, rows);
}

/** A CSV file: the header, then each row's cells, CRLF line ends. */
export function csv(columns: readonly string[], rows: readonly (readonly (string | number | boolean)[])[]): string {
	return [columns.join(','), ...rows.map((r) => r.map(cell).join(','))].join('\r\n') + '\r\n';
}
