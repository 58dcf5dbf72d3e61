import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';

export interface Mail {
	to: string;
	subject: string;
	text: string;
	/** The organization on whose behalf it was sent (invitations, alerts, invoices); the development mail log shows its primary admin only these. */
	orgId?: string;
}

export interface SentMail extends Mail {
	sentAt: string;
}

export interface Mailer {
	send(mail: Mail): Promise<void>;
	/** Where mail goes, for the start-up log. */
	readonly where: string;
}

/** Development mailer, the mail log: each mail is a JSON file in <data-dir>/mail-log, named so that ls sorts by time. */
export class MailLog implements Mailer {
	readonly dir: string;
	readonly where: string;
	constructor(
		dataDir: string,
		private readonly log = false
	) {
		this.dir = join(dataDir, 'mail-log');
		this.where = `files in ${this.dir}`;
		mkdirSync(this.dir, { recursive: true });
	}
	async send(mail: Mail) {
		const file = join(this.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.json`);
		writeFileSync(file, JSON.stringify({ ...mail, sentAt: new Date().toISOString() }, null, 2));
		// rules §4: the mail log is logged, so a developer sees mail arrive; the text (links) stays in the file.
		if (this.log) console.log(`mail to ${mail.to}: “${mail.subject}” → ${file}`);
	}
}

/** The newest mails of the mail log sent on behalf of `orgId`, newest first (reads at most the newest 500 files). */
export function recentMail(log: MailLog, orgId: string, limit: number): SentMail[] {
	const files = readdirSync(log.dir)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.reverse()
		.slice(0, 500);
	const mails: SentMail[] = [];
	for (const f of files) {
		const mail = JSON.parse(readFileSync(join(log.dir, f), 'utf8')) as SentMail;
		if (mail.orgId === orgId) mails.push(mail);
		if (mails.length === limit) break;
	}
	return mails;
}

/** Production mailer: SMTP through nodemailer, configured by a URL such as smtps://user:pass@smtp.example.com. */
export class SmtpMailer implements Mailer {
	readonly where: string;
	private readonly transport;
	constructor(
		url: string,
		private readonly from: string
	) {
		this.transport = nodemailer.createTransport(url);
		const { protocol, host } = new URL(url);
		this.where = `SMTP ${protocol}//${host} (from ${from})`;
	}
	async send(mail: Mail) {
		await this.transport.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text });
	}
}
