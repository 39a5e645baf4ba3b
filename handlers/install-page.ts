import * as z from 'zod/mini';
import { processConfig } from '../lib/config';
import { decodeFormBody, parseForm } from '../lib/form';
import { httpHandler } from '../lib/http-handler';
import type { HttpRequest } from '../lib/http-request';
import type { KeptOutcome } from '../lib/install-page-html';
import { installErrorPage, installFinishedPage } from '../lib/install-page-html';
import { installPageDelivery, parseInstallPagePost, portalOrigin } from '../lib/install-page';
import { logger } from '../lib/logger';
import type { CaptureDeps, DeliveryReceipt } from '../lib/receive-or-capture';
import { receiveOrCapture } from '../lib/receive-or-capture';
import { captureDeps } from '../lib/capture/capture-deps';
import { installPageReceiverDeps } from '../lib/receiver-deps';
import { Hostname } from '../lib/schemas';

/** POST /bitrix24/install: the install page Bitrix24 opens in its iframe (two-step install). */
export function createInstallPageHandler(getDeps: () => CaptureDeps) {
  return httpHandler({
    logger,
    method: 'POST',
    route: async (request, log) => {
      log.event = 'INSTALL_PAGE';
      const deps = getDeps();
      const page = parseInstallPagePost(parseForm(request.query.toString()), readBody(request));
      log.member_id = page.member_id;
      const defaultOauthServer = [...deps.allowedOauthServers][0]!;
      const receipt = await receiveOrCapture(deps, installPageDelivery(page, deps.nowMs(), defaultOauthServer));
      log.outcome = receipt.outcome;
      if ('verifiedBy' in receipt && receipt.verifiedBy) log.verified_by = receipt.verifiedBy;
      if (receipt.outcome === 'captured') log.capture = receipt.verification;
      return installFinishedPage({
        outcome: keptOutcome(receipt),
        domain: page.DOMAIN,
        portalOrigin: portalOrigin(page.DOMAIN, page.PROTOCOL),
        statusCode: receipt.status,
      });
    },
    onError: (error, request) => installErrorPage(error, claimedPortalOrigin(request)),
  });
}

/** Everything may come in the query string alone: then there is no body to insist on. */
function readBody(request: HttpRequest) {
  return request.body.length > 0 ? decodeFormBody(request.headers.get('content-type'), request.body) : {};
}

function keptOutcome(receipt: DeliveryReceipt): KeptOutcome {
  if (receipt.outcome === 'captured') return 'captured';
  return receipt.status === 202 ? 'pending' : 'installed';
}

const PortalFields = z.object({ DOMAIN: Hostname, PROTOCOL: z.optional(z.enum(['0', '1'])) });

/** For an error page's frame-ancestors: the portal the request names, if it names a well-formed one (it only decides who may frame an error). */
function claimedPortalOrigin(request: HttpRequest): string | undefined {
  let fields: Record<string, unknown> = {};
  try {
    fields = { ...parseForm(request.query.toString()), ...readBody(request) };
  } catch {
    // An unreadable request names no portal.
  }
  const parsed = z.safeParse(PortalFields, fields);
  return parsed.success ? portalOrigin(parsed.data.DOMAIN, parsed.data.PROTOCOL) : undefined;
}

let deps: CaptureDeps | undefined;
export const handler = createInstallPageHandler(() => {
  if (!deps) {
    const config = processConfig();
    deps = captureDeps(config, installPageReceiverDeps(config));
  }
  return deps;
});
