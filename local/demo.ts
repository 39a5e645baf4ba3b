import { createDynamoStore } from '../lib/installations-store';
import { maskSecret } from '../lib/redact';

/**
 * `npm run demo` (with `npm start` running): the emulator plays a new portal that installs the
 * app, we show what the receiver stored (tokens masked), a service gets a token, then the portal
 * uninstalls it.
 */
const receiverUrl = process.env.RECEIVER_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const emulatorUrl = process.env.EMULATOR_URL ?? `http://127.0.0.1:${process.env.EMULATOR_PORT ?? 8100}`;

async function control(path: string, fields: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(`${emulatorUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
    signal: AbortSignal.timeout(15_000),
  });
  return (await response.json()) as Record<string, unknown>;
}

function step(text: string): void {
  process.stdout.write(`\n== ${text}\n`);
}

async function main(): Promise<void> {
  const callback = `${receiverUrl}/bitrix24/events`;
  const installPage = `${receiverUrl}/bitrix24/install`;
  step(`A new portal installs the app: its iframe posts the install page to ${installPage}, then Bitrix24 posts ONAPPINSTALL to ${callback}`);
  const installed = await control('/_emulator/install', { callback, install_page: installPage });
  process.stdout.write(`portal ${String(installed.domain)} (member_id ${String(installed.member_id)})\n`);
  process.stdout.write(
    `install page answered ${String(installed.install_page_status)}; it ${installed.install_page_calls_install_finish ? 'calls' : 'does NOT call'} BX24.installFinish()\n`,
  );
  process.stdout.write(`receiver answered ${String(installed.callback_status)} ${JSON.stringify(installed.callback_body)}\n`);

  step('What the receiver stored (DynamoDB item, tokens masked)');
  process.stdout.write(`${await showInstallation(String(installed.member_id))}\n`);

  step(`A backend service asks for a token: GET ${receiverUrl}/installations/${String(installed.member_id)}/token`);
  const tokenReply = await fetch(`${receiverUrl}/installations/${String(installed.member_id)}/token`, { signal: AbortSignal.timeout(15_000) });
  const token = (await tokenReply.json()) as Record<string, unknown>;
  process.stdout.write(`${tokenReply.status} ${JSON.stringify({ ...token, access_token: maskSecret(token.access_token as string | undefined) })}\n`);

  step('The portal uninstalls the app; Bitrix24 posts ONAPPUNINSTALL (the receiver confirms it with the OAuth server)');
  const removed = await control('/_emulator/uninstall', { callback, member_id: String(installed.member_id) });
  process.stdout.write(`receiver answered ${String(removed.callback_status)} ${JSON.stringify(removed.callback_body)}\n`);

  step('What is left: a tombstone without tokens');
  process.stdout.write(`${await showInstallation(String(installed.member_id))}\n`);
}

async function showInstallation(memberId: string): Promise<string> {
  const store = createDynamoStore({
    tableName: process.env.INSTALLATIONS_TABLE ?? 'b24-installations-local',
    timeoutMs: 5_000,
    endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? `http://127.0.0.1:${process.env.DYNAMODB_PORT ?? 8000}`,
    region: process.env.AWS_REGION ?? 'us-east-1',
  });
  const item = await store.get(memberId);
  if (!item) return '(nothing stored)';
  return JSON.stringify({ ...item, access_token: maskSecret(item.access_token), refresh_token: maskSecret(item.refresh_token) }, null, 2);
}

process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
main().catch((error: unknown) => {
  process.stderr.write(`Demo failed: ${error instanceof Error ? error.message : String(error)}\nIs \`npm start\` running?\n`);
  process.exit(1);
});
