import { existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';

/** Where the development mailer writes under a server's data directory: the one line tests name it in. */
const MAIL_DIR = 'mail-log';

export interface Mail {
	to: string;
	subject: string;
	text: string;
	/** The organization on whose behalf it was sent, if any. */
	org?: string;
}

/** The directory of a data directory's mail log. */
export const mailDir = (dataDir: string) => join(dataDir, MAIL_DIR);

/** How many mails the log holds, whoever they are to. */
export function mailCount(dataDir: string): number {
	const dir = mailDir(dataDir);
	return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).length : 0;
}

/**
 * Every mail in the log, oldest first (file names sort by time), to `to` if given. The server
 * writes a mail before it sends the verdict or answer that caused it, so once that has arrived
 * this is complete.
 */
export function mails(dataDir: string, to?: string): Mail[] {
	const dir = mailDir(dataDir);
	if (!existsSync(dir)) return [];
	return readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.flatMap((f) => {
			try {
				return [JSON.parse(readFileSync(join(dir, f), 'utf8')) as Mail];
			} catch {
				return []; // being written: its change event follows
			}
		})
		.filter((m) => to === undefined || m.to === to);
}

/** Resolves once `condition` holds, asked now and whenever the log changes (watched, not polled). */
export function untilMail(dataDir: string, condition: () => boolean): Promise<void> {
	return new Promise((resolve) => {
		// Watching before the first look, so that a mail written in between is not missed.
		const watcher = watch(mailDir(dataDir), () => check());
		const check = () => {
			if (!condition()) return;
			watcher.close();
			resolve();
		};
		check();
	});
}

/** The newest mail to `to` that matches, now or as soon as the server writes it. */
export async function nextMail(dataDir: string, to: string, match: (m: Mail) => boolean = () => true): Promise<Mail> {
	const find = () => mails(dataDir, to).reverse().find(match);
	await untilMail(dataDir, () => find() !== undefined);
	return find()!;
}

/** The verification link in the newest mail to this address. */
export function verificationLink(dataDir: string, email: string): string {
	const link = mails(dataDir, email)
		.reverse()
		.map((m) => m.text.match(/http:\/\/\S+\/api\/verify-email\?token=[\w-]+/)?.[0])
		.find(Boolean);
	if (!link) throw new Error(`no verification mail to ${email}`);
	return link;
}
