import * as z from 'zod/mini';
import { InvalidPayloadError, ReceiverError } from './errors';

/**
 * Schemas for what Bitrix24 posts (BITRIX24.md §2). Every value arrives as a string; these
 * schemas are the single source of the payload types. Tolerant where real payloads vary
 * (optional `expires`, `user_id`, `data[ACTIVE]`...), strict where a value is used as a key,
 * a URL or a number. zod/mini: the same checks at a fraction of the cold-start cost.
 */

/** Live portals send ~70 characters, the docs 32: no fixed length, printable ASCII without spaces. */
export const Token = z.string().check(z.minLength(8), z.maxLength(1024), z.regex(/^[\x21-\x7e]+$/));
/** Used as the DynamoDB key and in URLs: Bitrix24 sends 32 hex characters. */
export const MemberId = z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9_.-]+$/));

function digits(min: number, max: number) {
  return z.pipe(
    z.string().check(z.regex(/^\d{1,12}$/)),
    z.pipe(z.transform(Number), z.number().check(z.gte(min), z.lte(max))),
  );
}
const UnixSeconds = digits(0, 99_999_999_999);
/** Lifetimes in seconds; at most a year (a longer one would be a time mistaken for a lifetime). */
export const LifetimeSeconds = digits(1, 366 * 24 * 3600);
const Id = digits(0, 1e12);

export const Hostname = z.pipe(
  z.string().check(
    z.maxLength(253),
    z.regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?$/),
  ),
  z.transform((host: string) => host.toLowerCase()),
);

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
  } catch {
    return false;
  }
}
export const HttpUrl = z.string().check(z.maxLength(2048), z.refine(isHttpUrl));
/** Comma-separated in practice (`crm,im`), although one doc page says spaces; kept as sent. */
export const Scope = z.string().check(z.maxLength(4096));
/** L, F, D, T, P, S today; unknown codes are data, not errors. */
export const AppStatus = z.string().check(z.minLength(1), z.maxLength(16));
export const ShortText = z.string().check(z.maxLength(256));

const InstallAuth = z.object({
  access_token: Token,
  refresh_token: Token,
  expires_in: LifetimeSeconds,
  expires: z.optional(UnixSeconds),
  scope: z._default(Scope, ''),
  domain: Hostname,
  server_endpoint: HttpUrl,
  client_endpoint: HttpUrl,
  status: z.optional(AppStatus),
  member_id: MemberId,
  user_id: z.optional(Id),
  application_token: Token,
});

const InstallData = z.optional(
  z.object({
    VERSION: z.optional(ShortText),
    ACTIVE: z.optional(ShortText),
    INSTALLED: z.optional(ShortText),
    LANGUAGE_ID: z.optional(ShortText),
  }),
);

const common = {
  ts: UnixSeconds,
  event_handler_id: z.optional(Id),
};

export const AppInstallEvent = z.object({ event: z.literal('ONAPPINSTALL'), data: InstallData, auth: InstallAuth, ...common });
export const AppUpdateEvent = z.object({ event: z.literal('ONAPPUPDATE'), data: InstallData, auth: InstallAuth, ...common });

/** ONAPPUNINSTALL carries no tokens: its only proof is the application_token. */
export const AppUninstallEvent = z.object({
  event: z.literal('ONAPPUNINSTALL'),
  data: z.optional(z.object({ LANGUAGE_ID: z.optional(ShortText), CLEAN: z.optional(ShortText) })),
  auth: z.object({
    domain: Hostname,
    member_id: MemberId,
    application_token: Token,
    server_endpoint: z.optional(HttpUrl),
    client_endpoint: z.optional(HttpUrl),
  }),
  ...common,
});

export const LifecycleEvent = z.discriminatedUnion('event', [AppInstallEvent, AppUpdateEvent, AppUninstallEvent]);

export type AppInstallEvent = z.infer<typeof AppInstallEvent>;
export type AppUpdateEvent = z.infer<typeof AppUpdateEvent>;
export type AppUninstallEvent = z.infer<typeof AppUninstallEvent>;
export type LifecycleEvent = z.infer<typeof LifecycleEvent>;

export const SUPPORTED_EVENTS = ['ONAPPINSTALL', 'ONAPPUPDATE', 'ONAPPUNINSTALL'] as const;

/** Dotted paths of the fields that failed: names only, never the values. */
export function issuePaths(error: z.core.$ZodError): string[] {
  return [...new Set(error.issues.map((issue) => issue.path.map(String).join('.') || '(body)'))];
}

/** Validates with `schema`, or throws `invalid_payload` naming the fields that failed. */
export function parseFields<T extends z.core.$ZodType>(schema: T, fields: unknown): z.infer<T> {
  const parsed = z.safeParse(schema, fields);
  if (!parsed.success) throw new InvalidPayloadError(issuePaths(parsed.error));
  return parsed.data as z.infer<T>;
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
  return parseFields(LifecycleEvent, { ...fields, event: name });
}
