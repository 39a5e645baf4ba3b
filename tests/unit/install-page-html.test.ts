import { createHash } from 'node:crypto';
import { InvalidPayloadError, ReceiverError } from '../../lib/errors';
import { escapeHtml, installErrorPage, installFinishedPage } from '../../lib/install-page-html';

function cspHashesOf(html: string, tag: 'script' | 'style'): string[] {
  const inline = [...html.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);
  return inline.map((text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`);
}

describe('install page replies', () => {
  test('escapeHtml neutralises every character that could open markup or an attribute', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  });

  test('the success page’s inline script and style are exactly the ones its CSP allows, and the portal alone may frame it', () => {
    const reply = installFinishedPage({ outcome: 'installed', domain: 'example.bitrix24.com', portalOrigin: 'https://example.bitrix24.com', statusCode: 200 });
    const csp = reply.headers['content-security-policy']!;
    for (const hash of [...cspHashesOf(reply.body, 'script'), ...cspHashesOf(reply.body, 'style')]) expect(csp).toContain(hash);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('script-src https://api.bitrix24.com ');
    expect(csp).toMatch(/frame-ancestors https:\/\/example\.bitrix24\.com$/);
  });

  test('an error page escapes what it names and carries no script', () => {
    const reply = installErrorPage(new InvalidPayloadError(['<b>AUTH_ID</b>']), 'https://example.bitrix24.com');
    expect(reply.statusCode).toBe(400);
    expect(reply.body).toContain('&lt;b&gt;AUTH_ID&lt;/b&gt;');
    expect(reply.body).not.toContain('<script');
    expect(reply.headers['content-security-policy']).not.toContain('script-src');
  });

  test('an unexpected error gets a generic page that reveals nothing of its cause', () => {
    const reply = installErrorPage(new ReceiverError('internal_error', 'boom at /var/task/index.js'), undefined);
    expect(reply.statusCode).toBe(500);
    expect(reply.body).not.toContain('/var/task');
    expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
