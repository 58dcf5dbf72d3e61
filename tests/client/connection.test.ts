import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/lib/client/connection.svelte.ts';
import { PROTOCOL_VERSION } from '../../src/lib/protocol/messages.ts';

describe('Connection: the protocol version on welcome', () => {
	const connection = () => new Connection({ message: () => {}, frame: () => {}, offline: () => {}, changed: () => {} });

	it('accepts the version this page speaks', () => {
		const c = connection();
		expect(c.accepts(PROTOCOL_VERSION)).toBe(true);
		expect(c.status).toBe('connecting');
	});

	it.each([
		[PROTOCOL_VERSION + 1, 'an older'],
		[PROTOCOL_VERSION - 1, 'a newer']
	])('stops for good on version %i, saying the page is from %s version and asking for a reload', (version, age) => {
		const c = connection();
		expect(c.accepts(version)).toBe(false);
		expect(c.status).toBe('outdated');
		expect(c.detail).toBe(
			`This page is from ${age} version of Roster than the server: reload it to continue. Your changes not yet saved are kept.`
		);
		// Nothing goes to a server that would misread it.
		expect(c.send('{}')).toBe(false);
	});
});
