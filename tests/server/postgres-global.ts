import type { TestProject } from 'vitest/node';
import { startCluster } from './postgres-cluster.ts';

declare module 'vitest' {
	export interface ProvidedContext {
		/** The superuser URL of the run's PostgreSQL cluster: tests make their stores in it with freshDatabase. */
		postgresUrl: string;
	}
}

/** One throwaway PostgreSQL cluster for the whole run, stopped and removed at its end. */
export default async function setup(project: TestProject) {
	const cluster = await startCluster();
	project.provide('postgresUrl', cluster.url());
	return () => cluster.stop();
}
