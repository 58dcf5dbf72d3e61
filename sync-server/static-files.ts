import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { HttpError } from './http/types.ts';

const TYPES: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript',
	'.css': 'text/css',
	'.json': 'application/json',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.ico': 'image/x-icon',
	'.webmanifest': 'application/manifest+json',
	'.txt': 'text/plain'
};

/** A file of the built SPA under `root`, or its index.html for any other path (the SPA routes it). */
export function serveStatic(root: string, req: IncomingMessage, path: string, res: ServerResponse) {
	if (req.method !== 'GET' && req.method !== 'HEAD') {
		throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here.`, { allow: 'GET, HEAD' });
	}
	let decoded: string;
	try {
		decoded = decodeURIComponent(path);
	} catch {
		throw new HttpError(400, 'BAD_PATH', 'The path is not valid.');
	}
	// A NUL byte makes every file-system call throw; no file has one in its name.
	const file = decoded.includes('\0') ? '' : normalize(join(root, decoded));
	const isAsset = file.startsWith(root + sep) && existsSync(file) && statSync(file).isFile();
	const target = isAsset ? file : join(root, 'index.html');
	if (!existsSync(target)) throw new HttpError(503, 'NOT_BUILT', 'The app is not built: run npm run build.');
	const immutable = path.startsWith('/_app/immutable/');
	res.writeHead(200, {
		'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
		'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache'
	});
	const stream = createReadStream(target);
	// A file that cannot be read after all (removed by a rebuild meanwhile) ends this answer only.
	stream.on('error', (err) => {
		console.error(`static file ${target}: ${err.message}`);
		res.destroy();
	});
	res.on('close', () => stream.destroy());
	stream.pipe(res);
}
