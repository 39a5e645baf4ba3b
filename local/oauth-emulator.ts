import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import qs from 'qs';

/**
 * A Bitrix24 OAuth-server emulator: the one stand-in in this project, because Bitrix24 itself is
 * out of reach. It behaves as BITRIX24.md §4 documents: `app.info` vouches for access tokens,
 * refresh rotates (a used refresh token dies), and errors come as `{"error": ...}`.
 * It can also play a portal: install the app and post ONAPPINSTALL / ONAPPUNINSTALL to a callback.
 */

export interface EmulatedApp {
  clientId: string;
  clientSecret: string;
}

export interface EmulatedPortal {
  memberId: string;
  domain: string;
  clientId: string;
  status: string;
  scope: string;
  userId: number;
  installed: boolean;
  /** Set to answer PAYMENT_REQUIRED on refresh (the subscription lapsed). */
  paymentRequired: boolean;
  applicationToken: string;
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
  refreshCount: number;
}

export interface EmulatorCall {
  path: string;
  memberId?: string;
  /** The client went away before the emulator processed the call: nothing happened. */
  abandoned?: boolean;
  /** Names of the query parameters (secrets belong in the body). */
  queryKeys: string[];
}

export type Fault =
  | { kind: 'status'; status: number; body?: unknown }
  /** Accept the connection and never answer: the peer that only a timeout survives. */
  | { kind: 'hang' }
  /** Close the connection without an answer. */
  | { kind: 'reset' };

export interface EmulatorOptions {
  apps?: EmulatedApp[];
  /** Lifetime of minted access tokens. */
  accessTokenLifetimeSeconds?: number;
  nowMs?: () => number;
}

/** The install page request: what goes in the query string, and what in the form body. */
export interface InstallPageRequest {
  query: Record<string, string>;
  body: Record<string, string>;
}

export const DEFAULT_EMULATED_APP: EmulatedApp = { clientId: 'local.emulator000000.00000000', clientSecret: 'emulator-client-secret' };

function token(): string {
  // Live portals send ~70 characters; the docs show 32. Mint the long kind.
  return randomBytes(35).toString('hex');
}

export class OAuthEmulator {
  readonly apps = new Map<string, EmulatedApp>();
  readonly portals = new Map<string, EmulatedPortal>();
  /** Every app.info and refresh call, for assertions ("no request left the process"). */
  readonly calls: EmulatorCall[] = [];
  /** Added before every OAuth call is answered. */
  latencyMs = 0;
  /** Added before every refresh is processed. A client that goes away meanwhile (killed, timed out) leaves the request unprocessed: nothing rotates. */
  refreshLatencyMs = 0;
  private faults: Fault[] = [];
  private refreshFaults: Fault[] = [];
  /** Refresh tokens that rotation (or `killRefreshToken`) retired, to count calls that reuse them. */
  private readonly retiredRefreshTokens = new Map<string, string>();
  private readonly refreshCallCounts = new Map<string, number>();
  private stickyFault: Fault | undefined;
  private server: http.Server | undefined;
  private portalCount = 0;
  private readonly accessLifetime: number;
  private readonly now: () => number;
  private readonly minted = new Set<string>();

  constructor(options: EmulatorOptions = {}) {
    for (const app of options.apps ?? [DEFAULT_EMULATED_APP]) this.apps.set(app.clientId, app);
    this.accessLifetime = options.accessTokenLifetimeSeconds ?? 3600;
    this.now = options.nowMs ?? Date.now;
  }

  get origin(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('emulator is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  get serverEndpoint(): string {
    return `${this.origin}/rest/`;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  /** The next `count` OAuth calls fail this way. */
  failNext(fault: Fault, count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** The next `count` refresh calls (only those) fail this way: `{kind:'status', status: 400, body: {error: 'invalid_client'}}`... */
  failNextRefresh(fault: Fault, count = 1): void {
    for (let i = 0; i < count; i++) this.refreshFaults.push(fault);
  }

  /** Back to a healthy, fast server: no faults queued, no latency. */
  resetFaults(): void {
    this.faults = [];
    this.refreshFaults = [];
    this.stickyFault = undefined;
    this.latencyMs = 0;
    this.refreshLatencyMs = 0;
  }

  /** Every OAuth call fails this way until cleared with `undefined`. */
  failAlways(fault: Fault | undefined): void {
    this.stickyFault = fault;
  }

  /** Every secret the emulator ever minted or holds: for the test that proves none reaches a log. */
  secrets(): string[] {
    return [...this.minted, ...[...this.apps.values()].map((app) => app.clientSecret)];
  }

  /** Successful refreshes (rotations) of this portal's tokens. */
  refreshCount(memberId: string): number {
    return this.portals.get(memberId)?.refreshCount ?? 0;
  }

  /** Refresh calls that named one of this portal's refresh tokens, current or retired, whatever their answer. */
  refreshCalls(memberId: string): number {
    return this.refreshCallCounts.get(memberId) ?? 0;
  }

  /** The portal's refresh token dies without a rotation anyone saw (expired, revoked): the next refresh answers invalid_grant. */
  killRefreshToken(memberId: string): void {
    const portal = this.portals.get(memberId);
    if (!portal) return;
    this.retiredRefreshTokens.set(portal.refreshToken, portal.memberId);
    portal.refreshToken = this.mint();
  }

  /** As if an administrator reinstalled the app elsewhere: new tokens the receiver has not seen, the old refresh token dead. */
  rotateBehindOurBack(memberId: string): EmulatedPortal | undefined {
    const portal = this.portals.get(memberId);
    if (!portal) return undefined;
    this.retiredRefreshTokens.set(portal.refreshToken, portal.memberId);
    portal.accessToken = this.mint();
    portal.refreshToken = this.mint();
    return portal;
  }

  private mint(): string {
    const value = token();
    this.minted.add(value);
    return value;
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** A portal installs the app: new tokens (and a new portal unless `memberId` names one). */
  installPortal(options: Partial<Pick<EmulatedPortal, 'memberId' | 'domain' | 'status' | 'scope' | 'clientId' | 'userId'>> = {}): EmulatedPortal {
    const existing = options.memberId ? this.portals.get(options.memberId) : undefined;
    const number = ++this.portalCount;
    const portal: EmulatedPortal = {
      memberId: options.memberId ?? randomBytes(16).toString('hex'),
      domain: options.domain ?? existing?.domain ?? `portal-${number}-${randomUUID().slice(0, 8)}.bitrix24.test`,
      clientId: options.clientId ?? existing?.clientId ?? [...this.apps.keys()][0]!,
      status: options.status ?? existing?.status ?? 'F',
      scope: options.scope ?? existing?.scope ?? 'crm,im',
      userId: options.userId ?? existing?.userId ?? 1,
      installed: true,
      paymentRequired: false,
      // Bitrix24 derives application_token from member_id and the app: a reinstall keeps it.
      applicationToken: existing?.applicationToken ?? this.mint(),
      accessToken: this.mint(),
      accessExpiresAt: this.nowSeconds() + this.accessLifetime,
      refreshToken: this.mint(),
      refreshCount: existing?.refreshCount ?? 0,
    };
    this.portals.set(portal.memberId, portal);
    return portal;
  }

  /** Registers a portal with given tokens (a captured example payload), so that app.info vouches for them. */
  adoptPortal(portal: Pick<EmulatedPortal, 'memberId' | 'domain' | 'accessToken' | 'refreshToken' | 'applicationToken'> & Partial<EmulatedPortal>): EmulatedPortal {
    const adopted: EmulatedPortal = {
      clientId: [...this.apps.keys()][0]!,
      status: 'F',
      scope: 'crm,im',
      userId: 1,
      installed: true,
      paymentRequired: false,
      accessExpiresAt: this.nowSeconds() + this.accessLifetime,
      refreshCount: 0,
      ...portal,
    };
    for (const value of [adopted.accessToken, adopted.refreshToken, adopted.applicationToken]) this.minted.add(value);
    this.portals.set(adopted.memberId, adopted);
    return adopted;
  }

  uninstallPortal(memberId: string): void {
    const portal = this.portals.get(memberId);
    if (portal) portal.installed = false;
  }

  /** Ages the portal's access token so that it expires in `seconds`. */
  expireAccessTokenIn(memberId: string, seconds: number): void {
    const portal = this.portals.get(memberId);
    if (portal) portal.accessExpiresAt = this.nowSeconds() + seconds;
  }

  /** ONAPPINSTALL (or ONAPPUPDATE) as Bitrix24 posts it: `http_build_query` encoding, every value a string. */
  installEvent(portal: EmulatedPortal, options: { event?: 'ONAPPINSTALL' | 'ONAPPUPDATE'; ts?: number } = {}): Record<string, unknown> {
    const ts = options.ts ?? this.nowSeconds();
    return {
      event: options.event ?? 'ONAPPINSTALL',
      event_handler_id: '0',
      data: { VERSION: '1', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' },
      ts: String(ts),
      auth: {
        access_token: portal.accessToken,
        expires: String(portal.accessExpiresAt),
        expires_in: String(this.accessLifetime),
        scope: portal.scope,
        domain: portal.domain,
        server_endpoint: this.serverEndpoint,
        status: portal.status,
        client_endpoint: `https://${portal.domain}/rest/`,
        member_id: portal.memberId,
        user_id: String(portal.userId),
        refresh_token: portal.refreshToken,
        application_token: portal.applicationToken,
      },
    };
  }

  uninstallEvent(portal: EmulatedPortal, options: { ts?: number } = {}): Record<string, unknown> {
    return {
      event: 'ONAPPUNINSTALL',
      data: { LANGUAGE_ID: 'en', CLEAN: '0' },
      ts: String(options.ts ?? this.nowSeconds()),
      auth: {
        domain: portal.domain,
        server_endpoint: this.serverEndpoint,
        client_endpoint: `https://${portal.domain}/rest/`,
        member_id: portal.memberId,
        application_token: portal.applicationToken,
      },
    };
  }

  /**
   * The install page POST as Bitrix24's iframe sends it (apidocs "What the handler receives"):
   * DOMAIN, PROTOCOL, LANG and APP_SID in the query string, the rest in the form body.
   */
  installPage(portal: EmulatedPortal, options: { placementOptions?: string; withServerEndpoint?: boolean } = {}): InstallPageRequest {
    const body: Record<string, string> = {
      AUTH_ID: portal.accessToken,
      AUTH_EXPIRES: String(this.accessLifetime),
      REFRESH_ID: portal.refreshToken,
      APPLICATION_TOKEN: portal.applicationToken,
      APPLICATION_SCOPE: portal.scope,
      member_id: portal.memberId,
      status: portal.status,
      PLACEMENT: 'DEFAULT',
      PLACEMENT_OPTIONS: options.placementOptions ?? '{"any":"value"}',
    };
    if (options.withServerEndpoint !== false) body.SERVER_ENDPOINT = this.serverEndpoint;
    return {
      query: { DOMAIN: portal.domain, PROTOCOL: '1', LANG: 'en', APP_SID: randomBytes(16).toString('hex') },
      body,
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const params = { ...Object.fromEntries(url.searchParams), ...(qs.parse(body) as Record<string, string>) };

    if (url.pathname.startsWith('/_emulator/')) return this.control(url.pathname, params, res);

    const call: EmulatorCall = { path: url.pathname, queryKeys: [...url.searchParams.keys()] };
    this.calls.push(call);
    const isRefresh = url.pathname === '/oauth/token/' || url.pathname === '/oauth/token';
    if (isRefresh) this.countRefreshCall(params.refresh_token, call);
    res.once('close', () => {
      if (!res.writableEnded) call.abandoned = true;
    });
    const latency = this.latencyMs + (isRefresh ? this.refreshLatencyMs : 0);
    if (latency > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, latency);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (call.abandoned) return;
    const fault = (isRefresh ? this.refreshFaults.shift() : undefined) ?? this.faults.shift() ?? this.stickyFault;
    if (fault?.kind === 'hang') return; // never answers; closed by close()
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'status') return this.send(res, fault.status, fault.body ?? { error: 'emulated_failure' });

    if (url.pathname === '/rest/app.info') return this.appInfo(params.auth, res, call);
    if (isRefresh) return this.refresh(params, res, call);
    return this.send(res, 404, { error: 'NOT_FOUND', error_description: 'Unknown method' });
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private findByAccessToken(accessToken: string | undefined): EmulatedPortal | undefined {
    if (!accessToken) return undefined;
    for (const portal of this.portals.values()) if (portal.accessToken === accessToken) return portal;
    return undefined;
  }

  private countRefreshCall(refreshToken: string | undefined, call: EmulatorCall): void {
    if (!refreshToken) return;
    const memberId = [...this.portals.values()].find((p) => p.refreshToken === refreshToken)?.memberId ?? this.retiredRefreshTokens.get(refreshToken);
    if (memberId === undefined) return;
    call.memberId = memberId;
    this.refreshCallCounts.set(memberId, (this.refreshCallCounts.get(memberId) ?? 0) + 1);
  }

  private appInfo(accessToken: string | undefined, res: http.ServerResponse, call: EmulatorCall): void {
    const portal = this.findByAccessToken(accessToken);
    if (!portal || !portal.installed) return this.send(res, 401, { error: 'invalid_token', error_description: 'The access token provided is invalid.' });
    call.memberId = portal.memberId;
    if (portal.accessExpiresAt <= this.nowSeconds()) {
      return this.send(res, 401, { error: 'expired_token', error_description: 'The access token provided has expired.' });
    }
    this.send(res, 200, {
      result: {
        client_id: portal.clientId,
        scope: portal.scope,
        expires: new Date(portal.accessExpiresAt * 1000).toISOString(),
        user_id: portal.userId,
        install: {
          installed: portal.installed,
          version: 1,
          status: portal.status,
          scope: portal.scope,
          domain: portal.domain,
          uri: `https://${portal.domain}`,
          client_endpoint: `https://${portal.domain}/rest/`,
          member_id: portal.memberId,
          member_type: 'PORTAL',
        },
      },
    });
  }

  private refresh(params: Record<string, string | undefined>, res: http.ServerResponse, call: EmulatorCall): void {
    if (params.grant_type !== 'refresh_token') return this.send(res, 400, { error: 'unsupported_grant_type' });
    const app = params.client_id ? this.apps.get(params.client_id) : undefined;
    if (!app || app.clientSecret !== params.client_secret) {
      return this.send(res, 401, { error: 'invalid_client', error_description: 'Invalid client credentials' });
    }
    const portal = [...this.portals.values()].find((p) => p.refreshToken === params.refresh_token && p.clientId === app.clientId);
    if (!portal) return this.send(res, 400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
    call.memberId = portal.memberId;
    if (!portal.installed) return this.send(res, 400, { error: 'NOT_INSTALLED', error_description: 'Application not installed' });
    if (portal.paymentRequired) return this.send(res, 402, { error: 'PAYMENT_REQUIRED', error_description: 'Payment required' });
    portal.refreshCount++;
    portal.accessToken = this.mint();
    this.retiredRefreshTokens.set(portal.refreshToken, portal.memberId);
    portal.refreshToken = this.mint(); // rotation: the one just used is dead from now on
    portal.accessExpiresAt = this.nowSeconds() + this.accessLifetime;
    this.send(res, 200, {
      access_token: portal.accessToken,
      refresh_token: portal.refreshToken,
      expires: portal.accessExpiresAt,
      expires_in: this.accessLifetime,
      client_endpoint: `https://${portal.domain}/rest/`,
      server_endpoint: this.serverEndpoint,
      member_id: portal.memberId,
      domain: new URL(this.origin).host,
      scope: portal.scope,
      status: portal.status,
      user_id: portal.userId,
    });
  }

  /** Control routes for `npm run demo` and other processes: play a portal that installs and uninstalls. */
  private async control(path: string, params: Record<string, string | undefined>, res: http.ServerResponse): Promise<void> {
    const callback = params.callback;
    if (path === '/_emulator/install' && callback) {
      const portal = this.installPortal(params.member_id ? { memberId: params.member_id } : {});
      // A UI app: the user's browser posts the install page first; then the queue delivers ONAPPINSTALL.
      const page = params.install_page ? await postInstallPage(params.install_page, this.installPage(portal)) : undefined;
      const answer = await postForm(callback, this.installEvent(portal));
      return this.send(res, 200, {
        member_id: portal.memberId,
        domain: portal.domain,
        ...(page ? { install_page_status: page.status, install_page_calls_install_finish: page.text.includes('BX24.installFinish()') } : {}),
        callback_status: answer.status,
        callback_body: answer.body,
      });
    }
    const portal = params.member_id ? this.portals.get(params.member_id) : undefined;
    if (path === '/_emulator/uninstall' && callback && portal) {
      this.uninstallPortal(portal.memberId);
      const answer = await postForm(callback, this.uninstallEvent(portal));
      return this.send(res, 200, { member_id: portal.memberId, callback_status: answer.status, callback_body: answer.body });
    }
    if (path === '/_emulator/refresh-count' && portal) {
      return this.send(res, 200, { member_id: portal.memberId, refresh_count: portal.refreshCount, refresh_calls: this.refreshCalls(portal.memberId) });
    }
    return this.send(res, 400, { error: 'bad_control_request' });
  }
}

/** Encodes like PHP's `http_build_query`: percent-encoded brackets, `+` for spaces. */
export function phpFormBody(fields: Record<string, unknown>): string {
  return qs.stringify(fields, { format: 'RFC1738' });
}

export async function postForm(url: string, fields: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: phpFormBody(fields),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
}

/** Posts the install page as the portal's iframe does: query string and form body. */
export async function postInstallPage(url: string, page: InstallPageRequest): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  for (const [key, value] of Object.entries(page.query)) target.searchParams.set(key, value);
  const response = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: phpFormBody(page.body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, text: await response.text() };
}
