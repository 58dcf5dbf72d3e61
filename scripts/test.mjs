// npm test: the build, then the static checks beside the test suite. The browser tests run one file
// at a time and leave a core mostly idle; formatting, type and lint checks fill it, which keeps the
// whole run under ten minutes on two cores. Each check's output is shown when it fails; any failure fails the run.
import { spawn } from 'node:child_process';

const npx = (args, quiet) =>
	new Promise((resolve) => {
		const child = spawn('npx', args, { stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
		let output = '';
		child.stdout?.on('data', (d) => (output += d));
		child.stderr?.on('data', (d) => (output += d));
		child.on('close', (code) => resolve({ ok: code === 0, output }));
	});

const CHECKS = [
	['formatting', ['prettier', '--check', '.']],
	['svelte-check', ['svelte-check', '--tsconfig', './tsconfig.json', '--fail-on-warnings']],
	['server types', ['tsc', '-p', 'sync-server/tsconfig.json']],
	['lint', ['eslint', '.']]
];

async function checks() {
	const failed = [];
	for (const [name, args] of CHECKS) {
		const { ok, output } = await npx(args, true);
		if (!ok) failed.push(`\n✗ ${name} (npx ${args.join(' ')}):\n${output}`);
	}
	return failed;
}

// The build also writes .svelte-kit's generated types, which svelte-check and the tests read.
if (!(await npx(['vite', 'build'], false)).ok) process.exit(1);
const [failed, suite] = await Promise.all([checks(), npx(['vitest', 'run'], false)]);
for (const f of failed) console.error(f);
console.log(failed.length ? `\n${failed.length} static check(s) failed.` : '\nFormatting, svelte-check, server types and lint: clean.');
process.exit(failed.length || !suite.ok ? 1 : 0);
