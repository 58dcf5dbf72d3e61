/** The history page's moments: what a datetime-local input holds (local time, to the second) and the milliseconds sent. */

const pad = (n: number) => String(n).padStart(2, '0');

/** A time as a datetime-local input shows it, in the browser's time zone. */
export function localInput(ms: number): string {
	const d = new Date(ms);
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** What an input holds, as milliseconds (the end of that second, so that a change made during it is included); undefined: not a time. */
export function fromLocalInput(value: string): number | undefined {
	if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return undefined;
	const ms = new Date(value).getTime();
	if (Number.isNaN(ms)) return undefined;
	return value.length === 16 ? ms + 59_999 : ms + 999;
}

export const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** Offers a file to save (made here, nothing is sent). */
export function download(name: string, type: string, text: string) {
	const url = URL.createObjectURL(new Blob([text], { type }));
	const a = Object.assign(document.createElement('a'), { href: url, download: name });
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 0);
}
