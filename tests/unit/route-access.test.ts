import { describe, expect, it } from 'vitest';
import { ORG_ROLES, mayAct, mayView, type OrgRole, type RouteView } from '../../src/lib/domain/index.ts';
import { NOW, id, orgWith } from './factories.ts';

const ROLES = Object.keys(ORG_ROLES) as OrgRole[];

/** ann is the primary admin (an owner); every other role has one member named for it; zed is no member. */
function org(status: 'active' | 'closed' = 'active', twoFactor: string[] = []) {
	return orgWith({
		primaryAdmin: 'ann',
		status,
		twoFactor,
		members: [{ username: 'ann', role: 'ORG_OWNER' }, ...ROLES.map((role) => ({ username: role.toLowerCase(), role }))],
		others: ['zed']
	}).state;
}

const whoMay = (view: RouteView) => {
	const state = org();
	return ['ann', 'zed', ...ROLES.map((r) => r.toLowerCase())].filter((u) => mayView(state, id(u), view) === undefined).sort();
};

describe('what members may read over HTTP (mayView)', () => {
	it('the activity feed: owners and read-only members', () => {
		expect(whoMay('activity.read')).toEqual(['ann', 'org_owner', 'org_read_only']);
		expect(mayView(org(), id('org_member'), 'activity.read')).toEqual({
			ok: false,
			code: 'FORBIDDEN',
			message: 'Only organization owners and read-only members may read the activity feed.'
		});
	});

	it("the export: the organization's owners", () => {
		expect(whoMay('org.export')).toEqual(['ann', 'org_owner']);
		expect(mayView(org(), id('org_read_only'), 'org.export')?.message).toBe("Only the organization's owners may download its data.");
	});

	it('the mail log: the primary admin alone, whatever the role of another owner (a primary-admin action of the role table)', () => {
		expect(whoMay('mailLog.read')).toEqual(['ann']);
		expect(mayView(org(), id('org_owner'), 'mailLog.read')?.message).toBe("Only the organization's primary admin may read its mail log.");
	});

	it('a missing organization answers as a foreign one', () => {
		expect(mayView(undefined, id('ann'), 'org.export')).toEqual(mayView(org(), id('zed'), 'org.export'));
	});
});

describe('what members do over HTTP beside mutations (mayAct)', () => {
	const ctx = (u: string, steppedUpAt?: number) => ({ actorId: id(u), now: NOW, steppedUpAt });

	it('re-sending an invoice needs billing.view; paying needs billing.manage', () => {
		const state = org();
		expect(mayAct(state, ctx('org_billing_viewer'), 'invoice.resend')).toBeUndefined();
		expect(mayAct(state, ctx('org_member'), 'invoice.resend')?.message).toBe(
			"Only members who may view this organization's billing may send its invoices."
		);
		expect(mayAct(state, ctx('org_billing_admin'), 'invoice.pay')).toBeUndefined();
		expect(mayAct(state, ctx('org_billing_viewer'), 'invoice.pay')).toMatchObject({
			code: 'FORBIDDEN',
			message: 'Only organization owners and billing admins may pay invoices.'
		});
	});

	it('paying is sensitive (a step-up with two-factor on); re-sending is not', () => {
		const state = org('active', ['org_owner']);
		expect(mayAct(state, ctx('org_owner'), 'invoice.pay')?.code).toBe('STEP_UP_REQUIRED');
		expect(mayAct(state, ctx('org_owner', NOW), 'invoice.pay')).toBeUndefined();
		expect(mayAct(state, ctx('org_owner'), 'invoice.resend')).toBeUndefined();
	});

	it('a closed organization takes no payment, but its invoices can still be sent', () => {
		const state = org('closed');
		expect(mayAct(state, ctx('ann'), 'invoice.pay')).toEqual({
			ok: false,
			code: 'ORG_CLOSED',
			message: 'Acme is closed and can no longer be changed.'
		});
		expect(mayAct(state, ctx('ann'), 'invoice.resend')).toBeUndefined();
	});
});
