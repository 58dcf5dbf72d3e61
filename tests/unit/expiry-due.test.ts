import { describe, expect, it } from 'vitest';
import { EXPIRY_REMINDER_MS, expiryHolder, nextExpiryDue, type ExpiryTarget } from '../../src/lib/domain/index.ts';
import { NOW, expectAccepted, id, membersOf, orgWith, projectId, teamId } from './factories.ts';

const DAY = 86_400_000;
const LATER = NOW + 30 * DAY;
const SOONER = NOW + 20 * DAY;

/** ann is primary admin; carol and dan members, both in Ops and owners of Apollo (so either may lose Apollo). */
function org() {
	return orgWith({
		primaryAdmin: 'ann',
		members: membersOf({ ann: 'ORG_OWNER', carol: 'ORG_MEMBER', dan: 'ORG_MEMBER' }),
		teams: [{ name: 'Ops', members: ['carol', 'dan'] }],
		projects: [
			{
				name: 'Apollo',
				users: [
					['carol', ['PROJECT_OWNER']],
					['dan', ['PROJECT_OWNER']]
				]
			}
		]
	});
}

const member = (u: string): ExpiryTarget => ({ kind: 'member', userId: id(u) });
const inTeam = (u: string): ExpiryTarget => ({ kind: 'team', teamId: teamId('Ops'), userId: id(u) });
const inProject = (u: string): ExpiryTarget => ({ kind: 'project', projectId: projectId('Apollo'), userId: id(u) });
const set = (target: ExpiryTarget, at: number | null) =>
	({ type: 'access.setExpiry', target, expiry: at === null ? null : { at } }) as const;

describe('the next moment the expiry run is due in an organization (rules §6)', () => {
	it('is none without an expiry', () => {
		expect(nextExpiryDue(org().state)).toBeUndefined();
	});

	it('is the earliest reminder, 7 days before its expiry, over every kind of row', () => {
		const fx = org();
		expectAccepted(fx.run('ann', set(member('dan'), LATER)));
		expect(nextExpiryDue(fx.state)).toBe(LATER - EXPIRY_REMINDER_MS);
		expectAccepted(fx.run('ann', set(inTeam('carol'), SOONER)));
		expect(nextExpiryDue(fx.state)).toBe(SOONER - EXPIRY_REMINDER_MS);
		expectAccepted(fx.run('ann', set(inTeam('carol'), null)));
		expect(nextExpiryDue(fx.state)).toBe(LATER - EXPIRY_REMINDER_MS);
	});

	it('is the expiry itself once reminded, and moves on once applied', () => {
		const fx = org();
		expectAccepted(fx.run('ann', set(inTeam('dan'), SOONER)));
		expectAccepted(fx.run('ann', set(member('carol'), LATER)));
		const remind = { type: 'access.remindExpiry', target: inTeam('dan'), at: SOONER } as const;
		expectAccepted(fx.run('dan', remind, SOONER - EXPIRY_REMINDER_MS));
		// dan's reminder is sent: his expiry (SOONER) is now later than carol's reminder.
		expect(nextExpiryDue(fx.state)).toBe(Math.min(SOONER, LATER - EXPIRY_REMINDER_MS));
		expectAccepted(fx.run('ann', set(member('carol'), null)));
		expect(nextExpiryDue(fx.state)).toBe(SOONER);
		expectAccepted(fx.run('dan', { type: 'access.expire', target: inTeam('dan'), at: SOONER }, SOONER));
		expect(nextExpiryDue(fx.state)).toBeUndefined();
	});

	it('leaves out a blocked expiry: the run does not try it again', () => {
		const fx = org();
		expectAccepted(fx.run('ann', set(inProject('dan'), LATER)));
		// carol leaves Apollo: dan would leave it with no member, so his expiry is blocked when due.
		expectAccepted(fx.run('ann', { type: 'project.removeUser', projectId: projectId('Apollo'), userId: id('carol') }));
		expectAccepted(fx.run('dan', { type: 'access.expire', target: inProject('dan'), at: LATER }, LATER));
		expect(expiryHolder(fx.state, inProject('dan'))!.expiry!.blocked).toBeDefined();
		expect(nextExpiryDue(fx.state)).toBeUndefined();
	});

	it('is none in a closed organization, which the run leaves alone', () => {
		const fx = org();
		expectAccepted(fx.run('ann', set(member('dan'), LATER)));
		expectAccepted(fx.run('ann', { type: 'org.close' }));
		expect(nextExpiryDue(fx.state)).toBeUndefined();
	});
});
