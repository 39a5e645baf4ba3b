import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Lines of `logs` that contain any of `secrets`, with the secret masked in the report. */
export function findLeaks(logs: string, secrets: ReadonlySet<string>): string[] {
  const leaks: string[] = [];
  for (const line of logs.split('\n')) {
    for (const secret of secrets) {
      if (line.includes(secret)) leaks.push(line.replaceAll(secret, `<SECRET ${secret.slice(0, 4)}…>`).slice(0, 500));
    }
  }
  return leaks;
}

export function readCaptured(dir: string): { logs: string; secrets: Set<string>; lineCount: number } {
  if (!existsSync(dir)) return { logs: '', secrets: new Set(), lineCount: 0 };
  let logs = '';
  const secrets = new Set<string>();
  for (const name of readdirSync(dir)) {
    const text = readFileSync(join(dir, name), 'utf8');
    if (name.startsWith('secrets-')) {
      for (const value of text.split('\n')) if (value) secrets.add(value);
    } else {
      logs += text;
    }
  }
  return { logs, secrets, lineCount: logs.split('\n').filter(Boolean).length };
}
