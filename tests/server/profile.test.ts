import { describe, expect, it } from 'vitest';
import type { UserProfile } from '$lib/domain/index.ts';
import { orgDocId } from '$lib/protocol/messages.ts';
import { PASSWORD, cookieOf, post, signUp, verificationLink, verifyEmail } from './test-client.ts';
import { serverForEachTest } from './fixtures.ts';
import { mails } from './mail.ts';

const ok = { t: 'verdict', ok: true };
const NEW_PASSWORD = 'a new and longer passphrase';

const t = serverForEachTest();

function send(method: string, path: string, cookie: string | undefined, body: unknown) {
	return fetch(new URL(path, t.base), {
		method,
		headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
		body: typeof body === 'string' ? body : JSON.stringify(body)
	});
}
const rename = (cookie: string, body: unknown) => send('PATCH', '/api/me', cookie, body);
const changeEmail = (cookie: string, email: unknown) => send('POST', '/api/me/email', cookie, { email, password: PASSWORD });
const resend = (cookie: string) => send('POST', '/api/me/resend-verification', cookie, {});
const changePassword = (cookie: string, current: string, next: string) => send('POST', '/api/me/password', cookie, { current, next });
const signIn = (username: string, password = PASSWORD) => post(t.base, '/api/signin', { username, password });
const me = async (cookie: string) => {
	const res = await fetch(new URL('/api/me', t.base), { headers: { cookie } });
	return res.ok ? ((await res.json()) as { user: UserProfile }).user : res.status;
};
const mailsTo = (email: string) => mails(t.dataDir, email).length;

async function refusal(res: Response, status: number, code: string) {
	expect(res.status).toBe(status);
	const body = (await res.json()) as { code: string; message: string };
	expect(body.code).toBe(code);
	expect(body.message).toMatch(/^[A-Z].+\.?$/);
	return body.message;
}

/** Alice owns organization acme with bob as a member; both connected. */
async function acme() {
	const alice = await t.user('alice');
	const bob = await t.user('bob');
	expect(await alice.client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject(ok);
	expect(await alice.client.mutate({ type: 'member.add', orgId: 'acme', username: 'bob', role: 'ORG_MEMBER' })).toMatchObject(ok);
	await bob.client.until(() => bob.client.org('acme').members[bob.user.id] !== undefined);
	return { alice, bob };
}

describe('profile API', () => {
	it('refuses every profile request without a session, with 401', async () => {
		const requests = [
			rename('', { username: 'x-name' }),
			send('POST', '/api/me/email', undefined, { email: 'x@example.com' }),
			send('POST', '/api/me/resend-verification', undefined, {}),
			send('POST', '/api/me/password', undefined, { current: PASSWORD, next: NEW_PASSWORD })
		];
		for (const res of await Promise.all(requests)) await refusal(res, 401, 'UNAUTHENTICATED');
	});

	it('refuses bad input with 400 and a sentence, changing nothing', async () => {
		const { cookie, user } = await signUp(t.base, 'alice');
		const cases: [Promise<Response>, RegExp][] = [
			[rename(cookie, {}), /username or a display name/],
			[rename(cookie, { username: 'no spaces' }), /username is 3–32 characters/],
			[rename(cookie, { displayName: 'x'.repeat(101) }), /at most 100 characters/],
			[rename(cookie, null), /JSON object/],
			[rename(cookie, []), /JSON object/],
			[changeEmail(cookie, undefined), /Enter an email address/],
			[changeEmail(cookie, 'not-an-email'), /valid email/],
			[send('POST', '/api/me/password', cookie, {}), /current password.*; Enter a password/],
			[changePassword(cookie, PASSWORD, 'short'), /at least 12 characters/],
			[changePassword(cookie, PASSWORD, 'x'.repeat(129)), /at most 128 characters/]
		];
		for (const [res, message] of cases) expect(await refusal(await res, 400, 'INVALID_INPUT')).toMatch(message);
		for (const path of ['/api/me/email', '/api/me/password', '/api/me/resend-verification']) {
			await refusal(await send('POST', path, cookie, '{'), 400, 'INVALID_JSON');
		}
		await refusal(await rename(cookie, '{"username":'), 400, 'INVALID_JSON');
		const form = await fetch(new URL('/api/me', t.base), { method: 'PATCH', headers: { cookie }, body: 'username=x' });
		await refusal(form, 415, 'UNSUPPORTED');
		expect(await me(cookie)).toEqual(user);
		expect((await signIn('alice')).status).toBe(200);
	});

	it('renames: the org document copy follows live; a taken name (any case) is refused and nothing changes', async () => {
		const { alice, bob } = await acme();
		const res = await rename(bob.cookie, { username: 'Robert', displayName: '  Robert Jones ', password: PASSWORD });
		expect(res.status).toBe(200);
		const { user } = (await res.json()) as { user: UserProfile };
		expect(user).toEqual({ ...bob.user, username: 'robert', displayName: 'Robert Jones' });
		expect(await me(bob.cookie)).toEqual(user);
		for (const c of [alice.client, bob.client]) {
			await c.until(() => c.org('acme').members[bob.user.id]?.username === 'robert');
			expect(c.org('acme').members[bob.user.id]).toMatchObject({ displayName: 'Robert Jones', role: 'ORG_MEMBER' });
		}
		expect((await signIn('robert')).status).toBe(200);
		expect((await signIn('bob')).status).toBe(401);

		// Only the display name: the username stays.
		const shown = await rename(bob.cookie, { displayName: 'Bob J.' });
		expect(((await shown.json()) as { user: UserProfile }).user).toMatchObject({ username: 'robert', displayName: 'Bob J.' });
		// Saving the same again writes no document.
		const updates = (await t.server.documents.docUpdates(orgDocId('acme'))).length;
		expect((await rename(bob.cookie, { username: 'robert', displayName: 'Bob J.' })).status).toBe(200);
		// A refused mutation's verdict comes after the group commit a write would have joined.
		expect(await bob.client.mutate({ type: 'org.rename', orgId: 'acme', name: 'Nope' })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
		expect((await t.server.documents.docUpdates(orgDocId('acme'))).length).toBe(updates);

		// The freed name is anyone's; the other's is not.
		expect(await refusal(await rename(bob.cookie, { username: 'ALICE', password: PASSWORD }), 409, 'USERNAME_TAKEN')).toBe(
			'The username “alice” is taken.'
		);
		expect(await me(bob.cookie)).toMatchObject({ username: 'robert', displayName: 'Bob J.' });
		expect(alice.client.org('acme').members[bob.user.id]?.username).toBe('robert');
		expect((await rename(alice.cookie, { username: 'bob', password: PASSWORD })).status).toBe(200);
		// Mutations find the member under its new name.
		expect(await alice.client.mutate({ type: 'member.add', orgId: 'acme', username: 'robert', role: 'ORG_MEMBER' })).toMatchObject({
			ok: false,
			code: 'ALREADY_MEMBER'
		});
	});

	it('changes the email: unverified until the new link is used once; a link to the old address does not verify it', async () => {
		const { alice, bob } = await acme();
		const oldLink = verificationLink(t.dataDir, 'bob@example.com');
		// Re-entering the current address changes nothing.
		await refusal(await changeEmail(bob.cookie, 'BOB@example.com'), 409, 'EMAIL_UNCHANGED');

		const res = await changeEmail(bob.cookie, ' bob@new.example.org ');
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ user: { ...bob.user, email: 'bob@new.example.org', emailVerified: false } });
		await alice.client.until(() => alice.client.org('acme').members[bob.user.id]?.email === 'bob@new.example.org');

		// The earlier link was for the earlier address: used now, it verifies nothing.
		expect((await fetch(oldLink, { redirect: 'manual' })).headers.get('location')).toBe('/?verified=0');
		expect(await me(bob.cookie)).toMatchObject({ email: 'bob@new.example.org', emailVerified: false });

		const newLink = verificationLink(t.dataDir, 'bob@new.example.org');
		expect(await verifyEmail(t.dataDir, 'bob@new.example.org')).toBe('/?verified=1');
		expect(await me(bob.cookie)).toMatchObject({ email: 'bob@new.example.org', emailVerified: true });
		await alice.client.until(() => alice.client.org('acme').members[bob.user.id]?.emailVerified === true);
		expect((await fetch(newLink, { redirect: 'manual' })).headers.get('location')).toBe('/?verified=0');
	});

	it('re-sends the verification link for an unverified address only, a few times an hour', async () => {
		const { cookie } = await signUp(t.base, 'alice');
		expect(mailsTo('alice@example.com')).toBe(1);
		expect((await resend(cookie)).status).toBe(200);
		expect(mailsTo('alice@example.com')).toBe(2);
		// Either of the unused links works, once.
		expect(await verifyEmail(t.dataDir, 'alice@example.com')).toBe('/?verified=1');
		await refusal(await resend(cookie), 409, 'ALREADY_VERIFIED');

		// Changes and re-sends share one budget of five verification mails an hour.
		for (let i = 0; i < 4; i++) expect((await changeEmail(cookie, `alice${i}@example.com`)).status).toBe(200);
		expect(await refusal(await resend(cookie), 429, 'RATE_LIMITED')).toMatch(/Too many verification emails/);
		const limited = await changeEmail(cookie, 'elsewhere@example.com');
		expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
		await refusal(limited, 429, 'RATE_LIMITED');
		expect(await me(cookie)).toMatchObject({ email: 'alice3@example.com' });
		expect(mailsTo('elsewhere@example.com')).toBe(0);
	});

	it('changes the password with the current one; other sessions end, this one stays', async () => {
		const { cookie, client } = await t.user('alice');
		const other = cookieOf(await signIn('alice'));
		const otherSocket = await t.connect(other);

		expect(await refusal(await changePassword(cookie, 'not my password', NEW_PASSWORD), 401, 'BAD_CREDENTIALS')).toBe(
			'That is not your current password.'
		);
		expect(await me(other)).toMatchObject({ username: 'alice' });
		expect((await signIn('alice')).status).toBe(200);

		expect((await changePassword(cookie, PASSWORD, NEW_PASSWORD)).status).toBe(200);
		expect(await otherSocket.closed).toEqual({ code: 4401, reason: 'Not signed in' });
		expect(await me(other)).toBe(401);
		expect(await me(cookie)).toMatchObject({ username: 'alice' });
		expect(await client.mutate({ type: 'org.create', orgId: 'acme', name: 'Acme' })).toMatchObject(ok);
		expect((await signIn('alice')).status).toBe(401);
		expect((await signIn('alice', NEW_PASSWORD)).status).toBe(200);
	});

	it('counts wrong current passwords with failed sign-ins, per user, whatever case its name is typed in', async () => {
		const { cookie } = await signUp(t.base, 'alice');
		// A rename needs the right password, which forgives earlier failures: those after it count.
		expect((await rename(cookie, { username: 'alicia', password: PASSWORD })).status).toBe(200);
		for (let i = 0; i < 3; i++) expect((await signIn(i % 2 ? 'alicia' : 'ALICIA', 'wrong password')).status).toBe(401);
		for (let i = 0; i < 2; i++) await refusal(await changePassword(cookie, 'wrong password', NEW_PASSWORD), 401, 'BAD_CREDENTIALS');
		// Five failures: even the right password waits now, on either path.
		const limited = await changePassword(cookie, PASSWORD, NEW_PASSWORD);
		expect(await refusal(limited, 429, 'RATE_LIMITED')).toMatch(/Too many wrong passwords/);
		await refusal(await signIn('alicia'), 429, 'RATE_LIMITED');
		expect((await signIn('alicia', NEW_PASSWORD)).status).toBe(429);
		expect(await me(cookie)).toMatchObject({ username: 'alicia' });
	});
});
