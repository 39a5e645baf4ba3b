/**
 * The product's error vocabulary: one base class with a literal `code` and an HTTP `status`.
 * Messages are written for humans and never contain secret values or raw upstream payloads.
 * Exactly one place (`reply.ts`) turns these into HTTP replies.
 */
export type ErrorCode =
  | 'invalid_payload'
  | 'unsupported_event'
  | 'verification_failed'
  | 'payment_required'
  | 'not_installed'
  | 'method_not_allowed'
  | 'not_found'
  | 'needs_reinstall'
  | 'pending_verification'
  | 'uninstalled'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'misconfigured'
  | 'storage_unavailable'
  | 'oauth_unavailable'
  | 'internal_error';

const STATUS: Record<ErrorCode, number> = {
  invalid_payload: 400,
  unsupported_event: 400,
  verification_failed: 403,
  payment_required: 402,
  not_installed: 404,
  not_found: 404,
  method_not_allowed: 405,
  needs_reinstall: 409,
  pending_verification: 409,
  uninstalled: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  misconfigured: 500,
  storage_unavailable: 503,
  oauth_unavailable: 503,
  internal_error: 500,
};

export class ReceiverError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Safe, non-secret details for the reply body (field paths, allowed values). */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'ReceiverError';
    this.status = STATUS[code];
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.details };
  }
}

/** The payload failed validation; `fields` are dotted paths, never values. */
export class InvalidPayloadError extends ReceiverError {
  constructor(readonly fields: readonly string[], message?: string) {
    super('invalid_payload', message ?? `Invalid or missing fields: ${fields.join(', ')}`, { fields });
  }
}

/** Someone (the payload, the OAuth server) says this is not a genuine install of our app. */
export class VerificationError extends ReceiverError {
  constructor(message: string) {
    super('verification_failed', message);
  }
}

/** A peer we depend on could not answer in time; the caller may retry later. */
export class UnavailableError extends ReceiverError {
  constructor(code: 'storage_unavailable' | 'oauth_unavailable', message: string, options?: { cause?: unknown }) {
    super(code, message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export class MisconfiguredError extends ReceiverError {
  constructor(message: string) {
    super('misconfigured', message);
  }
}

/**
 * The installations table itself is unusable as configured (missing, no permission): an operator
 * problem, but the event in hand is still genuine and must not be lost, so callers capture it.
 */
export class StorageMisconfiguredError extends MisconfiguredError {}
/** No installation is stored for this member_id. */
export class NotInstalledError extends ReceiverError {
  constructor(message = 'No installation is stored for this member_id') {
    super('not_installed', message);
  }
}

/** The installation exists but cannot give a token in its current state (DESIGN.md "States"). */
export class InstallationStateError extends ReceiverError {
  constructor(code: 'pending_verification' | 'needs_reinstall' | 'uninstalled', message: string) {
    super(code, message);
  }
}

/** The portal's subscription lapsed (`PAYMENT_REQUIRED`); the installation is kept. */
export class PaymentRequiredError extends ReceiverError {
  constructor(message = "The portal's Bitrix24 subscription for this app has lapsed (PAYMENT_REQUIRED); the installation is kept") {
    super('payment_required', message);
  }
}

export function isReceiverError(error: unknown): error is ReceiverError {
  return error instanceof ReceiverError;
}
