import * as Y from 'yjs';
import type { Member, Organization, UserProfile } from './schemas.ts';
import type { Change, OrgState } from './state.ts';

/** Layout of an organization's Y.Doc: meta.org holds the organization, members maps userId → Member. */
export function orgMaps(doc: Y.Doc) {
	return { meta: doc.getMap<Organization>('meta'), members: doc.getMap<Member>('members') };
}

export function applyChanges(doc: Y.Doc, changes: readonly Change[], origin: unknown): void {
	const { meta, members } = orgMaps(doc);
	doc.transact(() => {
		for (const change of changes) {
			if (change.kind === 'org.put') meta.set('org', change.org);
			else if (change.kind === 'member.put') members.set(change.member.userId, change.member);
			else members.delete(change.userId);
		}
	}, origin);
}

export type Directory = Pick<OrgState, 'user' | 'userByUsername'>;

/**
 * OrgState over a Y.Doc, with the owner set and username index kept up to date by
 * observing the members map, so a check never scans the organization.
 */
export class OrgDocState implements OrgState {
	readonly doc: Y.Doc;
	private readonly owners = new Set<string>();
	private readonly byUsername = new Map<string, string>();
	private readonly directory: Directory;

	constructor(doc: Y.Doc, directory: Directory) {
		this.doc = doc;
		this.directory = directory;
		const { members } = orgMaps(doc);
		for (const member of members.values()) this.index(member);
		members.observe((event) => {
			for (const [userId, change] of event.changes.keys) {
				const old = change.oldValue as Member | undefined;
				if (old) this.unindex(old);
				const now = members.get(userId);
				if (now) this.index(now);
			}
		});
	}

	private index(m: Member) {
		if (m.role === 'ORG_OWNER') this.owners.add(m.userId);
		this.byUsername.set(m.username, m.userId);
	}

	private unindex(m: Member) {
		this.owners.delete(m.userId);
		if (this.byUsername.get(m.username) === m.userId) this.byUsername.delete(m.username);
	}

	org() {
		return orgMaps(this.doc).meta.get('org');
	}
	member(userId: string) {
		return orgMaps(this.doc).members.get(userId);
	}
	memberByUsername(username: string) {
		const id = this.byUsername.get(username.toLowerCase());
		return id === undefined ? undefined : this.member(id);
	}
	members(): Member[] {
		return [...orgMaps(this.doc).members.values()];
	}
	ownerCount() {
		return this.owners.size;
	}
	user(userId: string): UserProfile | undefined {
		return this.directory.user(userId);
	}
	userByUsername(username: string): UserProfile | undefined {
		return this.directory.userByUsername(username);
	}
}
