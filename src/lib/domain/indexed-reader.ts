import { Indexes, type IndexName } from './doc-indexes.ts';
import { ModelReader } from './reader.ts';

/**
 * A ModelReader over rows it holds itself, indexed by doc-indexes.ts: the documents (OrgDocState)
 * and a replay of the log (ReplayState). Index reads and the projects known are the same for both.
 */
export abstract class IndexedReader extends ModelReader {
	protected readonly indexes = new Indexes();
	/** The projects whose rows this state holds (a set of ids, or a map keyed by them). */
	protected abstract readonly projects: ReadonlySet<string> | ReadonlyMap<string, unknown>;

	lookup(index: IndexName, key: string) {
		return this.indexes.get(index).get(key);
	}
	count(index: IndexName, key: string) {
		return this.indexes.get(index).count(key);
	}
	writes() {
		return this.indexes.writes;
	}
	projectsWithDeployments() {
		return this.indexes.get('activeDeployments').keys();
	}
	protected hasProject(projectId: string) {
		return this.projects.has(projectId);
	}
	projectIds(): string[] {
		return [...this.projects.keys()];
	}
}
