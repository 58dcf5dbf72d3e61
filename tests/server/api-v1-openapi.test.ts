import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { API_V1 } from '../../sync-server/http/api-v1.ts';
import { serverForEachTest } from './fixtures.ts';

const t = serverForEachTest();

type Operation = {
	parameters: { name: string; in: string; required: boolean }[];
	requestBody?: { content: { 'application/json': { schema: { properties?: Record<string, unknown> } } } };
	responses: Record<string, unknown>;
	security?: unknown[];
};
type Document = {
	openapi: string;
	paths: Record<string, Record<string, Operation>>;
	security: unknown[];
	components: { securitySchemes: Record<string, unknown> };
};

describe('the OpenAPI document (rules §5)', () => {
	it('is served without a secret, and is a valid OpenAPI 3.1 document', async () => {
		const res = await fetch(new URL('/api/v1/openapi.json', t.base));
		expect(res.status).toBe(200);
		const doc = (await res.json()) as Document;
		expect(doc.openapi).toBe('3.1.0');
		const verdict = await new Validator().validate(doc);
		expect(verdict.errors ?? []).toEqual([]);
		expect(verdict.valid).toBe(true);
	});

	it('names every route with its parameters, body, answers and the bearer scheme', async () => {
		const doc = (await (await fetch(new URL('/api/v1/openapi.json', t.base))).json()) as Document;
		expect(doc.components.securitySchemes).toEqual({ serviceAccountSecret: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
		expect(doc.security).toEqual([{ serviceAccountSecret: [] }]);
		expect(doc.paths['/api/v1/openapi.json']!.get!.security).toEqual([]);
		for (const route of API_V1) {
			const op = doc.paths[route.path]?.[route.method.toLowerCase()];
			expect(op, `${route.method} ${route.path}`).toBeDefined();
			expect(op!.parameters).toContainEqual(expect.objectContaining({ name: 'orgId', in: 'path', required: true }));
			expect(Object.keys(op!.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '429']));
			expect(!!op!.requestBody).toBe(route.method === 'POST');
		}
		const mutations = doc.paths['/api/v1/orgs/{orgId}/mutations']!.post!;
		const body = mutations.requestBody!.content['application/json'].schema;
		expect(Object.keys(body.properties ?? {})).toEqual(['id', 'mutation']);
		// The mutation is described by the websocket's own schema: one alternative per mutation type.
		expect(JSON.stringify(body.properties!.mutation)).toContain('"const":"team.create"');
		const activity = doc.paths['/api/v1/orgs/{orgId}/activity']!.get!;
		expect(activity.parameters.map((p) => p.name)).toEqual(['orgId', 'user', 'teamId', 'projectId', 'kind', 'before', 'limit']);
	});
});
