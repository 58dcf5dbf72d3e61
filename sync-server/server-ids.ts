/**
 * The id of a mutation the server sends on someone's behalf. The server keeps the first verdict of
 * each (user, id), so an id a client could send first would let it answer for the server: `~` is in
 * no id a client may send (sockets: A–Z a–z 0–9 _ -; the HTTP API also . :), so these stay the server's.
 */
export function serverMutationId(...parts: (string | number)[]): string {
	return `~${parts.join(':')}`;
}
