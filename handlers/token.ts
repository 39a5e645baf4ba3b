import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { processConfig } from '../lib/config';
import { InvalidPayloadError } from '../lib/errors';
import type { RequestLog } from '../lib/http-handler';
import { httpHandler } from '../lib/http-handler';
import type { LambdaHttpEvent } from '../lib/http-request';
import { isHttpEvent } from '../lib/http-request';
import { logger } from '../lib/logger';
import type { HttpReply } from '../lib/reply';
import { jsonReply, toReceiverError } from '../lib/reply';
import { MemberId, parseFields, Token } from '../lib/schemas';
import type { ResolvedToken, TokenVault } from '../lib/token-vault';
import { tokenVault, vaultDeps } from '../lib/token-vault';

/**
 * GET /installations/{member_id}/token (IAM-authorised in AWS), and the same function invoked
 * directly with `{"member_id": "..."}`. A caller whose token Bitrix24 just refused passes it in the
 * `x-rejected-access-token` header or the `rejected_access_token` field, never in a URL.
 */
const REJECTED_HEADER = 'x-rejected-access-token';

const DirectInvocation = z.object({ member_id: MemberId, rejected_access_token: z.optional(Token) });
const PathParameters = z.object({ member_id: MemberId });

function tokenBody(memberId: string, resolved: ResolvedToken): Record<string, unknown> {
  const { token } = resolved;
  return {
    ok: true,
    member_id: memberId,
    access_token: token.accessToken,
    client_endpoint: token.clientEndpoint,
    domain: token.domain,
    expires_at: token.expiresAt,
    scope: token.scope,
  };
}

async function resolve(vault: TokenVault, memberId: string, rejected: string | undefined, log: RequestLog): Promise<ResolvedToken> {
  const resolved = await vault.resolveAccessToken(memberId, rejected === undefined ? {} : { rejected });
  log.outcome = resolved.source;
  return resolved;
}

export function createTokenHandler(getVault: () => TokenVault) {
  const overHttp = httpHandler({
    logger,
    method: 'GET',
    route: async (request, log) => {
      if ([...request.query.keys()].some((key) => key.toLowerCase().includes('token'))) {
        // Too late for that token (URLs are logged along the way), but never accepted.
        throw new InvalidPayloadError(['query'], `Tokens never go in a URL; send the rejected token in the ${REJECTED_HEADER} header`);
      }
      const { member_id: memberId } = parseFields(PathParameters, request.pathParameters);
      log.member_id = memberId;
      const rejected = request.headers.get(REJECTED_HEADER) ?? undefined;
      if (rejected !== undefined && !z.safeParse(Token, rejected).success) throw new InvalidPayloadError([REJECTED_HEADER]);
      return jsonReply(200, tokenBody(memberId, await resolve(getVault(), memberId, rejected, log)));
    },
  });

  /** Direct invocation: the reply is the body itself; an error is `{error, message, status}` rather than a thrown FunctionError. */
  async function direct(event: unknown): Promise<Record<string, unknown>> {
    const started = performance.now();
    const log: RequestLog = { invocation: 'direct' };
    let body: Record<string, unknown>;
    let status = 200;
    try {
      const input = parseFields(DirectInvocation, event);
      log.member_id = input.member_id;
      body = tokenBody(input.member_id, await resolve(getVault(), input.member_id, input.rejected_access_token, log));
    } catch (thrown) {
      const error = toReceiverError(thrown);
      log.outcome = error.code;
      status = error.status;
      if (error.code === 'internal_error') logger.error('unexpected failure', { error: thrown as Error });
      else if (error.status >= 500) logger.warn(error.message, { code: error.code });
      body = { ...error.toJSON(), status };
    }
    logger.info('request', { ...log, status, duration_ms: Math.round((performance.now() - started) * 10) / 10 });
    return body;
  }

  const handle = (event: unknown) => (isHttpEvent(event) ? overHttp(event) : direct(event));
  return handle as TokenHandler;
}

/** An HTTP event gets an HTTP reply; anything else is a direct invocation. */
export interface TokenHandler {
  (event: LambdaHttpEvent, context?: Context): Promise<HttpReply>;
  (event: unknown, context?: Context): Promise<HttpReply | Record<string, unknown>>;
}

let vault: TokenVault | undefined;
export const handler = createTokenHandler(() => (vault ??= tokenVault(vaultDeps({ config: processConfig() }))));
