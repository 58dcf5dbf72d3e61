/** A parameter is one segment of letters, digits, _ and - (ids, provider names): nothing else reaches a handler. */
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

/** The path parameters of `path` if it has the shape of `template` (`/a/{name}/b`), else undefined. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
	const want = template.split('/');
	const have = path.split('/');
	if (want.length !== have.length) return undefined;
	const params: Record<string, string> = {};
	for (const [i, part] of want.entries()) {
		const name = /^\{(\w+)\}$/.exec(part)?.[1];
		if (name) {
			if (!SEGMENT.test(have[i]!)) return undefined;
			params[name] = have[i]!;
		} else if (part !== have[i]) return undefined;
	}
	return params;
}
