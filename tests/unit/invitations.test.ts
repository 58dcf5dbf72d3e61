import { describe, expect, it } from 'vitest';
import { INVITATION_TTL_MS, OverlayState, checkMutation, type ProjectRole } from '../../src/lib/domain/index.ts';
import {
	assertInvariants,
	expectAccepted,
	expectRefused,
	id,
	inviteId,
	membersOf,
	NOW,
	ORG_ID,
	orgWith,
	profile,
	projectId,
	teamId,
	type Fixture
} from './factories.ts';

const APOLLO = projectId('Apollo');
const RO: ProjectRole[] = ['PROJECT_READ_ONLY'];

/** ann: primary admin. pia: project owner (ORG_MEMBER). vic: verified non-member. uma: unverified non-member. */
function org(): Fixture {
	return orgWith({
		primaryAdmin: 'ann',
		members: membersOf({ ann: 'ORG_OWNER', pia: 'ORG_MEMBER' }),
		verified: ['vic'],
		others: ['vic', 'uma'],
		teams: [
			{ name: 'Ops', members: [] },
			{ name: 'Dev', members: [] }
		],
		projects: [{ name: 'Apollo', users: [['pia', ['PROJECT_OWNER']]] }]
	});
}

const invite = (email: string, teams: string[] = []) =>
	({ type: 'member.invite', inviteId: inviteId(email), email, role: 'ORG_PROJECT_CREATOR', teams }) as const;
const projectInvite = (email: string, roles: ProjectRole[] = RO) =>
	({ type: 'project.invite', projectId: APOLLO, inviteId: inviteId(email), email, roles }) as const;

/** Makes `username`'s address `email` and verified, as signing up and following the link would. */
function verify(fx: Fixture, username: string, email = `${username}@example.com`) {
	fx.directory.put({ ...profile(username, true), email });
}

describe('inviting to the organization (rules §4)', () => {
	it('an address nobody holds gets a pending invitation with role, teams and a 30-day expiry', () => {
		const fx = org();
		const verdict = fx.run('ann', invite('new@example.org', [teamId('Ops'), teamId('Ops')]));
		expectAccepted(verdict);
		expect(fx.state.invitation(inviteId('new@example.org'))).toEqual({
			id: inviteId('new@example.org'),
			email: 'new@example.org',
			role: 'ORG_PROJECT_CREATOR',
			teams: [teamId('Ops')],
			invitedBy: id('ann'),
			createdAt: NOW,
			expiresAt: NOW + INVITATION_TTL_MS
		});
		expect(fx.state.invitationByEmail('NEW@Example.org')?.id).toBe(inviteId('new@example.org'));
		expect(fx.state.member(id('new'))).toBeUndefined();
	});

	it('the one verified user holding the address is added at once, into the chosen teams', () => {
		const fx = org();
		const verdict = fx.run('ann', { ...invite('VIC@example.com', [teamId('Dev')]) });
		expectAccepted(verdict);
		expect(verdict.changes.map((c) => c.kind)).toEqual(['member.put', 'teamMember.put']);
		expect(fx.state.member(id('vic'))?.role).toBe('ORG_PROJECT_CREATOR');
		expect(fx.state.isTeamMember(teamId('Dev'), id('vic'))).toBe(true);
		expect(fx.state.invitations()).toEqual([]);
		expectRefused(fx.check('ann', invite('vic@example.com')), 'ALREADY_MEMBER');
		assertInvariants(fx.state);
	});

	it('an unverified address proves nothing: its holder is invited, not added', () => {
		const fx = org();
		expectAccepted(fx.run('ann', invite('uma@example.com')));
		expect(fx.state.member(id('uma'))).toBeUndefined();
		expect(fx.state.invitation(inviteId('uma@example.com'))).toBeDefined();
	});

	it('an address several verified users share asks for a username', () => {
		const fx = org();
		verify(fx, 'uma', 'vic@example.com');
		const verdict = fx.check('ann', invite('vic@example.com'));
		expectRefused(verdict, 'AMBIGUOUS_EMAIL');
		expect(verdict.ok || verdict.message).toContain('username');
	});

	it('a second pending invitation to the same address is refused; an expired one is replaced', () => {
		const fx = org();
		expectAccepted(fx.run('ann', invite('new@example.org')));
		expectRefused(fx.check('ann', { ...invite('new@example.org'), inviteId: 'i-other' }), 'ALREADY_INVITED');
		const later = checkMutation(
			fx.state,
			{ actorId: id('ann'), now: NOW + INVITATION_TTL_MS },
			{
				...invite('new@example.org'),
				inviteId: 'i-renewed',
				orgId: ORG_ID
			}
		);
		expectAccepted(later);
		expect(later.changes.map((c) => c.kind)).toEqual(['invitation.delete', 'invitation.put']);
	});

	it('teams must exist', () => {
		expectRefused(org().check('ann', invite('new@example.org', ['t-nope'])), 'TEAM_NOT_FOUND');
	});

	it('cancelling removes it; cancelling again is refused', () => {
		const fx = org();
		expectAccepted(fx.run('ann', invite('new@example.org')));
		expectAccepted(fx.run('ann', { type: 'member.cancelInvite', inviteId: inviteId('new@example.org') }));
		expect(fx.state.invitations()).toEqual([]);
		expect(fx.state.invitationByEmail('new@example.org')).toBeUndefined();
		expectRefused(fx.check('ann', { type: 'member.cancelInvite', inviteId: inviteId('new@example.org') }), 'INVITATION_NOT_FOUND');
	});
});

describe('accepting (signing up or in with the invited address, verified)', () => {
	it('grants the role and the teams that still exist, and ends the invitation, in one mutation', () => {
		const fx = org();
		expectAccepted(fx.run('ann', invite('uma@example.com', [teamId('Ops'), teamId('Dev')])));
		expectAccepted(fx.run('ann', { type: 'team.delete', teamId: teamId('Dev') }));
		const accept = { type: 'invite.accept', inviteId: inviteId('uma@example.com') } as const;
		expectRefused(fx.check('uma', accept), 'EMAIL_NOT_VERIFIED');
		verify(fx, 'uma');
		expectRefused(fx.check('vic', accept), 'INVITATION_NOT_FOUND');
		const verdict = fx.run('uma', accept);
		expectAccepted(verdict);
		expect(verdict.changes.map((c) => c.kind)).toEqual(['invitation.delete', 'member.put', 'teamMember.put']);
		// Deleting Dev took it out of the invitation too.
		expect(fx.state.invitationsOfTeam(teamId('Dev'))).toEqual([]);
		expect(fx.state.member(id('uma'))?.role).toBe('ORG_PROJECT_CREATOR');
		expect(fx.state.teamsOf(id('uma'))).toEqual([teamId('Ops')]);
		expect(fx.state.invitations()).toEqual([]);
		expectRefused(fx.check('uma', accept), 'INVITATION_NOT_FOUND');
		assertInvariants(fx.state);
	});

	it('is refused once expired, and for an invitee of a closed organization', () => {
		const fx = org();
		expectAccepted(fx.run('ann', invite('uma@example.com')));
		verify(fx, 'uma');
		const accept = { type: 'invite.accept', orgId: ORG_ID, inviteId: inviteId('uma@example.com') } as const;
		expectRefused(checkMutation(fx.state, { actorId: id('uma'), now: NOW + INVITATION_TTL_MS }, accept), 'INVITATION_EXPIRED');
		fx.doc.getMap('meta').set('org', { ...fx.state.org()!, status: 'closed' });
		expectRefused(fx.check('uma', accept), 'ORG_CLOSED');
	});

	it('a project invitation brings the invitee in as ORG_MEMBER with the invited roles, added to any it holds', () => {
		const fx = org();
		expectAccepted(fx.run('pia', projectInvite('uma@example.com', ['PROJECT_CLUSTER_MANAGER'])));
		expect(
			fx.state
				.project(APOLLO)!
				.invitations()
				.map((i) => i.email)
		).toEqual(['uma@example.com']);
		verify(fx, 'uma');
		const verdict = fx.run('uma', { type: 'invite.accept', projectId: APOLLO, inviteId: inviteId('uma@example.com') });
		expectAccepted(verdict);
		expect(fx.state.member(id('uma'))?.role).toBe('ORG_MEMBER');
		expect(fx.state.project(APOLLO)!.userRoles(id('uma'))).toEqual(['PROJECT_CLUSTER_MANAGER']);
		expect(fx.state.project(APOLLO)!.invitations()).toEqual([]);
		// Invited again while assigned (say, under another address): acceptance adds roles, never takes any away.
		expectAccepted(fx.run('pia', projectInvite('uma2@example.org', RO)));
		verify(fx, 'uma', 'uma2@example.org');
		expectAccepted(fx.run('uma', { type: 'invite.accept', projectId: APOLLO, inviteId: inviteId('uma2@example.org') }));
		expect(fx.state.project(APOLLO)!.userRoles(id('uma'))).toEqual(['PROJECT_CLUSTER_MANAGER', 'PROJECT_READ_ONLY']);
		assertInvariants(fx.state);
	});

	it('a closed project refuses acceptance', () => {
		const fx = org();
		expectAccepted(fx.run('pia', projectInvite('uma@example.com')));
		expectAccepted(fx.run('ann', { type: 'project.close', projectId: APOLLO }));
		verify(fx, 'uma');
		expectRefused(fx.check('uma', { type: 'invite.accept', projectId: APOLLO, inviteId: inviteId('uma@example.com') }), 'PROJECT_CLOSED');
	});
});

describe('inviting to a project', () => {
	it('adds the one verified holder of the address at once, as an org member', () => {
		const fx = org();
		const verdict = fx.run('pia', projectInvite('vic@example.com'));
		expectAccepted(verdict);
		expect(verdict.changes.map((c) => c.kind)).toEqual(['member.put', 'projectUser.put']);
		expect(fx.state.member(id('vic'))?.role).toBe('ORG_MEMBER');
		expectRefused(fx.check('pia', projectInvite('vic@example.com')), 'ALREADY_ASSIGNED');
	});

	it('refuses a repeated pending invitation, an ambiguous address, and cancels', () => {
		const fx = org();
		expectAccepted(fx.run('pia', projectInvite('new@example.org')));
		expectRefused(fx.check('pia', { ...projectInvite('new@example.org'), inviteId: 'i-x' }), 'ALREADY_INVITED');
		expectRefused(fx.check('pia', projectInvite('new@example.org')), 'INVITATION_EXISTS');
		verify(fx, 'uma', 'vic@example.com');
		expectRefused(fx.check('pia', projectInvite('vic@example.com')), 'AMBIGUOUS_EMAIL');
		const cancel = { type: 'project.cancelInvite', projectId: APOLLO, inviteId: inviteId('new@example.org') } as const;
		expectAccepted(fx.run('pia', cancel));
		expectRefused(fx.check('pia', cancel), 'INVITATION_NOT_FOUND');
	});
});

describe('pending invitations in the overlay', () => {
	it('reads invitations as pending changes leave them', () => {
		const fx = org();
		expectAccepted(fx.run('ann', invite('old@example.org')));
		const overlay = new OverlayState(fx.state);
		const add = checkMutation(overlay, { actorId: id('ann'), now: NOW }, { ...invite('new@example.org'), orgId: ORG_ID });
		expectAccepted(add);
		overlay.apply(add.changes);
		const cancel = checkMutation(
			overlay,
			{ actorId: id('ann'), now: NOW },
			{ type: 'member.cancelInvite', orgId: ORG_ID, inviteId: inviteId('old@example.org') }
		);
		expectAccepted(cancel);
		overlay.apply(cancel.changes);
		expect(overlay.invitationByEmail('new@example.org')?.id).toBe(inviteId('new@example.org'));
		expect(overlay.invitationByEmail('old@example.org')).toBeUndefined();
		expect(fx.state.invitationByEmail('old@example.org')).toBeDefined();
		const p = checkMutation(overlay, { actorId: id('pia'), now: NOW }, { ...projectInvite('x@example.org'), orgId: ORG_ID });
		expectAccepted(p);
		overlay.apply(p.changes);
		expect(
			overlay
				.project(APOLLO)!
				.invitations()
				.map((i) => i.email)
		).toEqual(['x@example.org']);
		expect(overlay.project(APOLLO)!.invitationByEmail('X@example.org')?.id).toBe(inviteId('x@example.org'));
	});
});
