import { z } from 'zod';
import { Id } from './schemas.ts';
import { humanText } from './text.ts';

/** rules §5: a service account's secret as the organization document knows it (its hash and last use stay on the server). */
export const ServiceSecret = z.object({ id: Id, createdAt: z.number(), createdBy: Id, expiresAt: z.number() });
export type ServiceSecret = z.infer<typeof ServiceSecret>;

export const ServiceDescription = humanText('A description', 300, { required: false });

/** rules §5: what the organization keeps of a service account beside its member row. */
export const ServiceAccount = z.object({
	userId: Id,
	description: ServiceDescription,
	createdAt: z.number(),
	createdBy: Id,
	secrets: z.array(ServiceSecret).max(100)
});
export type ServiceAccount = z.infer<typeof ServiceAccount>;
