import * as z from 'zod';
import { InvalidPayloadError, ReceiverError } from './errors';

/**
 * Schemas for what Bitrix24 posts (BITRIX24.md §2). Every value arrives as a string; these
 * schemas are the single source of the payload types. Tolerant where real payloads vary
 * (optional `expires`, `user_id`, `data[ACTIVE]`...), strict where a value is used as a key,
 * a URL or a number.
 */

/** Live portals send ~70 characters, the docs 32: no fixed length, printable ASCII without spaces. */
export const Token = z.string().min(8).max(1024).regex(/^[\x21-\x7e]+$/);
/** Used as the DynamoDB key and in URLs: Bitrix24 sends 32 hex characters. */
export const MemberId = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/);
const Digits = (max: number) => z.string().regex(/^\d{1,12}$/).transform(Number).pipe(z.number().int().min(0).max(max));
const UnixSeconds = Digits(99_999_999_999);
/** Lifetimes in seconds; at most a year (a longer one would be a lifetime mistaken for a time). */
const LifetimeSeconds = Digits(366 * 24 * 3600).pipe(z.number().min(1));
const Hostname = z
  .string()
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?$/)
  .transform((host) => host.toLowerCase());
const HttpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
    } catch {
      return false;
    }
  });
/** Comma-separated in practice (`crm,im`), although one doc page says spaces; kept as sent. */
const Scope = z.string().max(4096);
/** L, F, D, T, P, S today; unknown codes are data, not errors. */
const AppStatus = z.string().min(1).max(16);
const ShortText = z.string().max(256);

const InstallAuth = z.object({
  access_token: Token,
  refresh_token: Token,
  expires_in: LifetimeSeconds,
  expires: UnixSeconds.optional(),
  scope: Scope.default(''),
  domain: Hostname,
  server_endpoint: HttpUrl,
  client_endpoint: HttpUrl,
  status: AppStatus.optional(),
  member_id: MemberId,
  user_id: Digits(1e12).optional(),
  application_token: Token,
});

const InstallData = z
  .object({
    VERSION: ShortText.optional(),
    ACTIVE: ShortText.optional(),
    INSTALLED: ShortText.optional(),
    LANGUAGE_ID: ShortText.optional(),
  })
  .optional();

const common = {
  ts: UnixSeconds,
  event_handler_id: Digits(1e12).optional(),
};

export const AppInstallEvent = z.object({
  event: z.literal('ONAPPINSTALL'),
  data: InstallData,
  auth: InstallAuth,
  ...common,
});

export const AppUpdateEvent = z.object({
  event: z.literal('ONAPPUPDATE'),
  data: InstallData,
  auth: InstallAuth,
  ...common,
});

/** ONAPPUNINSTALL carries no tokens: its only proof is the application_token. */
export const AppUninstallEvent = z.object({
  event: z.literal('ONAPPUNINSTALL'),
  data: z.object({ LANGUAGE_ID: ShortText.optional(), CLEAN: ShortText.optional() }).optional(),
  auth: z.object({
    domain: Hostname,
    member_id: MemberId,
    application_token: Token,
    server_endpoint: HttpUrl.optional(),
    client_endpoint: HttpUrl.optional(),
  }),
  ...common,
});

export const LifecycleEvent = z.discriminatedUnion('event', [AppInstallEvent, AppUpdateEvent, AppUninstallEvent]);

export type AppInstallEvent = z.infer<typeof AppInstallEvent>;
export type AppUpdateEvent = z.infer<typeof AppUpdateEvent>;
export type AppUninstallEvent = z.infer<typeof AppUninstallEvent>;
export type LifecycleEvent = z.infer<typeof LifecycleEvent>;
export type InstallAuth = z.infer<typeof InstallAuth>;

export const SUPPORTED_EVENTS = ['ONAPPINSTALL', 'ONAPPUPDATE', 'ONAPPUNINSTALL'] as const;

/** Dotted paths of the fields that failed: names only, never the values. */
export function issuePaths(error: z.ZodError): string[] {
  return [...new Set(error.issues.map((issue) => issue.path.map(String).join('.') || '(body)'))];
}

/** Validates a decoded form as one of the lifecycle events. */
export function parseLifecycleEvent(fields: Record<string, unknown>): LifecycleEvent {
  const event = fields.event;
  if (typeof event !== 'string' || event.length === 0) throw new InvalidPayloadError(['event']);
  const name = event.toUpperCase();
  if (!(SUPPORTED_EVENTS as readonly string[]).includes(name)) {
    throw new ReceiverError('unsupported_event', `Unsupported event; this endpoint takes ${SUPPORTED_EVENTS.join(', ')}`, {
      supported: SUPPORTED_EVENTS,
    });
  }
  const parsed = LifecycleEvent.safeParse({ ...fields, event: name });
  if (!parsed.success) throw new InvalidPayloadError(issuePaths(parsed.error));
  return parsed.data;
}
