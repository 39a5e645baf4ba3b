import * as z from 'zod/mini';

/**
 * The stored installation: one DynamoDB item per portal, keyed by `member_id`, in Bitrix24's own
 * snake_case (DESIGN.md "Table"). Top-level token fields only ever hold *verified* data; what could
 * not be verified yet waits in `pending`, beside it, and never takes part in ordering.
 */
export const INSTALLATION_STATES = ['active', 'pending_verification', 'needs_reinstall', 'uninstalled'] as const;
export type InstallationState = (typeof INSTALLATION_STATES)[number];

export const GRANT_SOURCES = ['ONAPPINSTALL', 'ONAPPUPDATE', 'INSTALL_PAGE'] as const;
export type GrantSource = (typeof GRANT_SOURCES)[number];

/** Tokens and where they work, as one install event or install page delivered them. */
export const Grant = z.object({
  source: z.enum(GRANT_SOURCES),
  member_id: z.string(),
  /** The event's `ts` (install page: receipt time), in Unix seconds: also when its tokens were issued. */
  ts: z.number(),
  domain: z.string(),
  client_endpoint: z.string(),
  server_endpoint: z.string(),
  access_token: z.string(),
  refresh_token: z.string(),
  expires_at: z.number(),
  scope: z.string(),
  status: z.optional(z.string()),
  user_id: z.optional(z.number()),
  application_token_sha256: z.optional(z.string()),
  /** When the tokens were minted, if not at `ts`: a grant proven by refreshing it holds tokens minted then. */
  tokens_issued_at: z.optional(z.number()),
});
export type Grant = z.infer<typeof Grant>;

/** An install that could not be verified yet, kept for the keep-alive to verify later. */
export const PendingGrant = z.extend(Grant, { received_at: z.number() });
export type PendingGrant = z.infer<typeof PendingGrant>;

export const Installation = z.object({
  member_id: z.string(),
  state: z.enum(INSTALLATION_STATES),
  /** Bumped on every write of the installation; writers condition on it (optimistic concurrency). */
  version: z.int(),
  domain: z.optional(z.string()),
  client_endpoint: z.optional(z.string()),
  server_endpoint: z.optional(z.string()),
  access_token: z.optional(z.string()),
  refresh_token: z.optional(z.string()),
  /** Absolute Unix seconds. */
  expires_at: z.optional(z.number()),
  scope: z.optional(z.string()),
  status: z.optional(z.string()),
  user_id: z.optional(z.number()),
  application_token_sha256: z.optional(z.string()),
  /** `ts` of the last verified event applied; older events change nothing. */
  event_ts: z.optional(z.number()),
  /** When the stored tokens were minted (an event's `ts`, or the moment of a refresh): token age decides which tokens win. */
  tokens_issued_at: z.optional(z.number()),
  installed_at: z.optional(z.number()),
  uninstalled_at: z.optional(z.number()),
  updated_at: z.number(),
  pending: z.optional(z.array(PendingGrant)),
});
export type Installation = z.infer<typeof Installation>;

/** Every attribute the installation owns; anything else on the item (a refresh lease) is left alone by installation writes. */
export const INSTALLATION_ATTRIBUTES = Object.keys(Installation.shape) as (keyof Installation)[];

/** Whether the item holds a verified installation (anything but a portal we have only unverified data for). */
export type VerifiedInstallation = Installation & { state: Exclude<InstallationState, 'pending_verification'> };

export function hasVerifiedData(installation: Installation | undefined): installation is VerifiedInstallation {
  return installation !== undefined && installation.state !== 'pending_verification';
}
