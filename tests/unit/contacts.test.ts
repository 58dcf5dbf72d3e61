import { describe, expect, it } from 'vitest';
import { applyChanges, effectiveContact, membersCsv } from '../../src/lib/domain/index.ts';
import { expectAccepted, expectRefused, id, membersOf, orgWith } from './factories.ts';

function org() {
	return orgWith({
		primaryAdmin: 'ann',
		members: membersOf({ ann: 'ORG_OWNER', bob: 'ORG_OWNER', meg: 'ORG_MEMBER', rob: 'ORG_READ_ONLY' }),
		verified: ['bob']
	});
}

describe('contacts (rules §4)', () => {
	it('each unset contact falls back to the primary admin, and follows a transfer', () => {
		const fx = org();
		for (const kind of ['technical', 'emergency', 'billing'] as const) {
			expect(effectiveContact(fx.state, kind)).toEqual({ email: 'ann@example.com', source: 'primary admin' });
		}
		expectAccepted(fx.run('ann', { type: 'org.transferPrimaryAdmin', userId: id('bob') }));
		expect(effectiveContact(fx.state, 'technical')).toEqual({ email: 'bob@example.com', source: 'primary admin' });
	});

	it('the primary admin sets and clears the technical and emergency contacts; nobody else may', () => {
		const fx = org();
		expectAccepted(fx.run('ann', { type: 'org.setContact', contact: 'emergency', email: 'oncall@example.org' }));
		expect(effectiveContact(fx.state, 'emergency')).toEqual({ email: 'oncall@example.org', source: 'set' });
		expect(effectiveContact(fx.state, 'technical')?.source).toBe('primary admin');
		expectRefused(fx.check('bob', { type: 'org.setContact', contact: 'technical', email: 'x@example.org' }), 'FORBIDDEN');
		expectAccepted(fx.run('ann', { type: 'org.setContact', contact: 'emergency', email: null }));
		expect(effectiveContact(fx.state, 'emergency')?.source).toBe('primary admin');
	});

	it('any member but a read-only one sets the billing contact', () => {
		const fx = org();
		expectAccepted(fx.run('meg', { type: 'org.setBillingContact', email: 'ap@example.org' }));
		expect(effectiveContact(fx.state, 'billing')).toEqual({ email: 'ap@example.org', source: 'set' });
		expectRefused(fx.check('rob', { type: 'org.setBillingContact', email: null }), 'FORBIDDEN');
		expect(fx.state.contact('billing')).toBe('ap@example.org');
	});
});

describe('member list CSV', () => {
	it('quotes commas and quotes, and defuses cells a spreadsheet would run as formulas', () => {
		const fx = org();
		const meg = fx.state.member(id('meg'))!;
		applyChanges(fx.state, [{ kind: 'member.put', member: { ...meg, displayName: '=HYPERLINK("http://x", "Meg, M.")' } }], 'test');
		const lines = membersCsv(fx.state).trim().split('\r\n');
		expect(lines[0]).toBe('username,email,email_verified,display_name,role,primary_admin,joined_at');
		expect(lines.find((l) => l.startsWith('meg,'))).toMatch(
			/^meg,meg@example.com,false,"'=HYPERLINK\(""http:\/\/x"", ""Meg, M\.""\)",ORG_MEMBER,false,/
		);
		expect(lines.find((l) => l.startsWith('ann,'))).toMatch(/^ann,ann@example.com,true,Ann,ORG_OWNER,true,/);
	});
});
