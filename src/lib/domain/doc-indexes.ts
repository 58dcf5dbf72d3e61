import type * as Y from 'yjs';
import { emailKey } from './schemas.ts';

/** A many-to-many index: key → set of values. */
export class Index {
	private readonly map = new Map<string, Set<string>>();
	add(key: string, value: string) {
		let set = this.map.get(key);
		if (!set) this.map.set(key, (set = new Set()));
		set.add(value);
	}
	delete(key: string, value: string) {
		const set = this.map.get(key);
		set?.delete(value);
		if (set?.size === 0) this.map.delete(key);
	}
	get(key: string): string[] {
		return [...(this.map.get(key) ?? [])];
	}
	count(key: string): number {
		return this.map.get(key)?.size ?? 0;
	}
}

/** Invitations by address (one pending per address and scope), kept by observing their map. */
export class EmailIndex {
	private readonly ids = new Map<string, string>();
	watch<T extends { id: string; email: string }>(map: Y.Map<T>) {
		for (const i of map.values()) this.ids.set(emailKey(i.email), i.id);
		observe(map, (old, now) => {
			if (old && this.ids.get(emailKey(old.email)) === old.id) this.ids.delete(emailKey(old.email));
			if (now) this.ids.set(emailKey(now.email), now.id);
		});
	}
	get(email: string): string | undefined {
		return this.ids.get(emailKey(email));
	}
}

/** Calls `fn(old, now)` for every key a transaction changed in `map`. */
export function observe<T>(map: Y.Map<T>, fn: (old: T | undefined, now: T | undefined) => void) {
	map.observe((event) => {
		for (const [key, change] of event.changes.keys) fn(change.oldValue as T | undefined, map.get(key));
	});
}
