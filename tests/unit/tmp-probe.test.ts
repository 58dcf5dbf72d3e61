import { it } from 'vitest';
import { OverlayState, applyChanges } from '../../src/lib/domain/index.ts';
import { id, orgWith } from './factories.ts';
it('probe', () => {
	const fx = orgWith({ primaryAdmin: 'ann', members: [{ username: 'ann', role: 'ORG_OWNER' },{ username: 'bob', role: 'ORG_OWNER' },{ username: 'carol', role: 'ORG_OWNER' }] });
	const o = new OverlayState(fx.state);
	const v = fx.check('ann', { type: 'member.setRole', userId: id('bob'), role: 'ORG_MEMBER' }, o);
	if (v.ok) o.apply(v.changes);
	applyChanges(fx.doc, [{ kind: 'member.put', member: { ...fx.state.member(id('bob'))!, role: 'ORG_MEMBER' } }], 'remote');
	console.log(o.ownerCount(), JSON.stringify(fx.check('ann', { type: 'member.setRole', userId: id('carol'), role: 'ORG_MEMBER' }, o)), JSON.stringify(fx.check('ann', { type: 'member.setRole', userId: id('carol'), role: 'ORG_MEMBER' })));
});
