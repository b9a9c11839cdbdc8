import { z } from 'zod';
import { ROLES } from '@custodian/core/policy';

/** A tenant id as the application keys its tenants: a UUID, a slug or a number. */
export const tenantId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/, { error: 'must be a tenant id' });
export const uuid = z.uuid();
export const role = z.enum(ROLES);
export const email = z.string().trim().toLowerCase().max(320).pipe(z.email());
export const isoDateTime = z.iso.datetime({ offset: true });

export const tenantParams = z.strictObject({ tenant: tenantId });

/** The one error shape, for the OpenAPI document. */
export const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
