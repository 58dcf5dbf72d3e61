import { memoryLimits } from '../../sync-server/limits.ts';
import { limitsContract } from './limits-contract.ts';

// One process: both "servers" are the same limits.
limitsContract('Memory', async () => {
	const limits = memoryLimits();
	return { a: limits, b: limits, close() {} };
});
