import { describe, expect, it } from 'vitest';
import { REFUSAL_CODES, refuse } from '../../src/lib/domain/index.ts';
import { refusalStatus, refused } from '../../sync-server/http/status.ts';

describe('the refusal-to-HTTP-status map', () => {
	it('gives every refusal code a client-error status', () => {
		for (const code of REFUSAL_CODES) expect([400, 403, 404, 409], code).toContain(refusalStatus(code));
	});

	it('says malformed 400, not allowed 403, not there 404, and a rule of the current state 409', () => {
		expect(refusalStatus('INVALID_MUTATION')).toBe(400);
		expect(refusalStatus('CARD_INVALID')).toBe(400);
		for (const code of [
			'FORBIDDEN',
			'NOT_A_MEMBER',
			'TWO_FACTOR_REQUIRED',
			'STEP_UP_REQUIRED',
			'SESSION_EXPIRED',
			'MANAGED_ELSEWHERE',
			'ORG_CLOSED'
		] as const) {
			expect(refusalStatus(code), code).toBe(403);
		}
		expect(refusalStatus('NOT_MANAGED')).toBe(404);
		expect(refusalStatus('LAST_PROJECT_OWNER')).toBe(409);
		expect(refusalStatus('PRIMARY_ADMIN_LEAVE')).toBe(409);
	});

	it('keeps the code and the sentence, or the sentence said for the route', () => {
		const r = refuse('FORBIDDEN', 'Not you.');
		expect(refused(r)).toMatchObject({ status: 403, code: 'FORBIDDEN', message: 'Not you.' });
		expect(refused(r, 'Someone else.')).toMatchObject({ status: 403, code: 'FORBIDDEN', message: 'Someone else.' });
	});
});
