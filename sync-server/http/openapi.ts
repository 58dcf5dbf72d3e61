import { z } from 'zod';
import { API_V1 } from './api-v1.ts';
import type { ApiRoute } from './api-v1-route.ts';
import type { HttpApp } from './deps.ts';
import { json } from './io.ts';
import type { RouteRequest } from './types.ts';

/**
 * rules §5: the HTTP API's OpenAPI 3.1 document, written from the route table's own zod schemas
 * (the ones requests are checked with), so the document cannot drift from what is served.
 */

type Json = Record<string, unknown>;

/** A schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect): what a caller sends (`input`) or receives (`output`). */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
	const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
	return rest;
}

const ERROR = { $ref: '#/components/schemas/Error' };

const answer = (description: string) => ({ description, content: { 'application/json': { schema: ERROR } } });

/** What every route may answer beside its own. */
const COMMON = {
	400: 'Bad input: malformed JSON (`INVALID_JSON`), a field of the wrong type or unknown (`INVALID_INPUT`), not JSON (`UNSUPPORTED`).',
	401: 'No secret (`UNAUTHENTICATED`), or one that is invalid, expired, revoked or of a deleted account (`INVALID_SECRET`).',
	403: 'Not the secret’s own organization, or no such organization (`NOT_A_MEMBER`).',
	429: 'Too many requests from this account (`RATE_LIMITED`): wait the seconds `Retry-After` says.'
} as const;

function parameters(route: ApiRoute): Json[] {
	const path = { name: 'orgId', in: 'path', required: true, description: 'The organization’s id.', schema: schemaOf(z.string(), 'input') };
	const shape = route.query instanceof z.ZodObject ? (route.query.shape as Record<string, z.ZodType>) : {};
	const query = Object.entries(shape).map(([name, field]) => ({
		name,
		in: 'query',
		required: !field.safeParse(undefined).success,
		schema: schemaOf(field, 'input')
	}));
	return [path, ...query];
}

function operation(route: ApiRoute): Json {
	const responses: Json = {
		200: { description: 'Done.', content: { 'application/json': { schema: schemaOf(route.answer, 'output') } } }
	};
	const own: Record<number, string> = route.refusals ?? {};
	for (const status of [...new Set([...Object.keys(COMMON), ...Object.keys(own)].map(Number))].sort()) {
		const said = [COMMON[status as keyof typeof COMMON], own[status]].filter(Boolean).join(' ');
		responses[status] = answer(said);
	}
	const body = route.bodyDoc ?? route.body;
	return {
		operationId: `${route.method.toLowerCase()}${route.path.replace(/\{orgId\}/, 'Org').replace(/[^A-Za-z]+(\w)/g, (_m, c: string) => c.toUpperCase())}`,
		summary: route.summary,
		description: route.description,
		parameters: parameters(route),
		...(body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(body, 'input') } } } } : {}),
		responses
	};
}

function buildDocument(): Json {
	const paths: Record<string, Json> = {};
	for (const route of API_V1) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
	paths['/api/v1/openapi.json'] = {
		get: {
			operationId: 'getOpenApi',
			summary: 'This document',
			description: 'Needs no secret.',
			security: [],
			responses: { 200: { description: 'The OpenAPI document.', content: { 'application/json': { schema: { type: 'object' } } } } }
		}
	};
	return {
		openapi: '3.1.0',
		info: {
			title: 'Roster HTTP API',
			version: '1',
			description: 'Service accounts read and change their organization through the same rules as the console. See docs/api.md.'
		},
		servers: [{ url: '/' }],
		security: [{ serviceAccountSecret: [] }],
		paths,
		components: {
			securitySchemes: {
				serviceAccountSecret: {
					type: 'http',
					scheme: 'bearer',
					description: 'A service account secret (`roster_sa_…`), made by an Organization Owner on the Service accounts page.'
				}
			},
			schemas: {
				Error: {
					type: 'object',
					required: ['code', 'message'],
					properties: {
						code: { type: 'string', description: 'Stable: the same codes as the websocket’s refusals.' },
						message: { type: 'string', description: 'What happened, in a sentence for a person.' }
					}
				}
			}
		}
	};
}

let document: Json | undefined;

/** GET /api/v1/openapi.json: no secret needed; made once, on first request. */
export function serveOpenApi(_app: HttpApp, { res }: RouteRequest) {
	document ??= buildDocument();
	json(res, 200, document);
}
