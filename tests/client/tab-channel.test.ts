import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { encodeSyncFrame, step1Frame, SYNC_UPDATE } from '../../src/lib/protocol/frames.ts';
import { PROTOCOL_VERSION } from '../../src/lib/protocol/messages.ts';
import { TabMessage } from '../../src/lib/client/tab-channel.ts';

describe('TabMessage: what one tab accepts from another', () => {
	it('reads what the tabs say: status, server messages and sync frames as bytes', () => {
		expect(TabMessage.parse({ t: 'status', status: 'offline', detail: 'This browser is offline.' })).toEqual({
			t: 'status',
			status: 'offline',
			detail: 'This browser is offline.'
		});
		const verdict = { t: 'server', message: { t: 'verdict', id: 'm1', ok: true } };
		expect(TabMessage.parse(verdict)).toEqual(verdict);
		const frame = TabMessage.parse({ t: 'frame', frame: encodeSyncFrame('org:acme', SYNC_UPDATE, new Uint8Array([1, 2])) });
		expect(frame).toEqual({ t: 'frame', frame: { doc: 'org:acme', kind: SYNC_UPDATE, payload: new Uint8Array([1, 2]) } });
		expect(TabMessage.parse({ t: 'send', frame: step1Frame('org:acme', new Y.Doc()) }).t).toBe('send');
		expect(TabMessage.parse({ t: 'outbox' })).toEqual({ t: 'outbox' });
		expect(TabMessage.parse({ t: 'step-up', validForMs: 60_000 })).toEqual({ t: 'step-up', validForMs: 60_000 });
	});

	it.each([
		['an unknown kind', { t: 'mutate', id: 'm1' }],
		['an unknown status', { t: 'status', status: 'sleeping', detail: '' }],
		['a negative step-up time', { t: 'step-up', validForMs: -1 }],
		['a server message that does not parse', { t: 'server', message: { t: 'welcome', protocol: PROTOCOL_VERSION } }],
		['a malformed frame', { t: 'frame', frame: new Uint8Array([200]) }],
		['a frame that is not bytes', { t: 'frame', frame: 'org:acme' }],
		['a frame other than a sync request to send', { t: 'send', frame: encodeSyncFrame('org:acme', SYNC_UPDATE, new Uint8Array([0, 0])) }],
		['not an object', 'signed-out']
	])('ignores %s', (_, message) => {
		expect(TabMessage.safeParse(message).success).toBe(false);
	});
});
