import WebSocket from 'ws';

/** Opens a plain `ws` client socket (no compression) and resolves once it is open. */
export function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { headers, perMessageDeflate: false, skipUTF8Validation: true });
		const onError = (err: Error) => reject(err);
		ws.once('error', onError);
		ws.once('unexpected-response', (_req, res) => reject(new Error(`${url}: HTTP ${res.statusCode}`)));
		ws.once('open', () => {
			ws.off('error', onError);
			// A socket that fails mid-run is noticed through lost changes, not an unhandled error.
			ws.on('error', () => ws.terminate());
			resolve(ws);
		});
	});
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping result order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
	const results = new Array<R>(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const i = next++;
			results[i] = await fn(items[i]!, i);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
	return results;
}

/** Resolves with the first message on `ws` that `accept` returns a value for; rejects after `timeoutMs`. */
export function firstMessage<T>(ws: WebSocket, accept: (data: Buffer, isBinary: boolean) => T | undefined, timeoutMs = 10_000): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			ws.off('message', onMessage);
			reject(new Error('timed out waiting for a message'));
		}, timeoutMs);
		const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
			const value = accept(toBuffer(data), isBinary);
			if (value === undefined) return;
			clearTimeout(timer);
			ws.off('message', onMessage);
			resolve(value);
		};
		ws.on('message', onMessage);
	});
}

export function toBuffer(data: WebSocket.RawData): Buffer {
	if (Buffer.isBuffer(data)) return data;
	if (Array.isArray(data)) return Buffer.concat(data);
	return Buffer.from(data);
}

/** `promise`, or a rejection naming `what` if it takes longer than `ms`, or if `abort` rejects first. */
export function within<T>(promise: Promise<T>, ms: number, what: string, abort?: Promise<never>): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, rej) => {
		timer = setTimeout(() => rej(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
	});
	return Promise.race([promise, timeout, ...(abort ? [abort] : [])]).finally(() => clearTimeout(timer));
}
