import { createSign } from 'node:crypto';
import { ConfigError, FinopsError } from '#shared/errors';

/** GitHub App credentials as kept in Secrets Manager (`privateKey` is the PEM the App settings page gives). */
export interface GithubAppCredentials {
  appId: string;
  installationId: string;
  privateKey: string;
}

/** What a GitHub secret holds: a token, or a GitHub App that mints installation tokens. */
export type GithubCredentials = { token: string } | { app: GithubAppCredentials };

/** GitHub refused to mint an installation token. */
export class GithubAuthError extends FinopsError {}

/**
 * Reads a GitHub secret: the token as plain text, JSON `{"token": "..."}`, or JSON
 * `{"appId", "installationId", "privateKey"}` for a GitHub App. Errors never echo the secret.
 */
export function parseGithubSecret(secret: string): GithubCredentials {
  const trimmed = secret.trim();
  if (!trimmed.startsWith('{')) {
    if (trimmed === '') throw new ConfigError('the GitHub secret is empty');
    return { token: trimmed };
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    throw new ConfigError('the GitHub secret is neither a token nor valid JSON');
  }
  if (typeof parsed.token === 'string' && parsed.token !== '') return { token: parsed.token };
  const { appId, installationId, privateKey } = parsed;
  if (
    (typeof appId === 'string' || typeof appId === 'number') &&
    (typeof installationId === 'string' || typeof installationId === 'number') &&
    typeof privateKey === 'string'
  ) {
    return { app: { appId: String(appId), installationId: String(installationId), privateKey } };
  }
  throw new ConfigError(
    'the GitHub secret must be the token, {"token"} or {"appId","installationId","privateKey"}',
  );
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** The RS256 JWT a GitHub App authenticates with (issued 60 s in the past, valid 9 minutes). */
export function githubAppJwt(app: GithubAppCredentials, now: Date): string {
  const iat = Math.floor(now.getTime() / 1000) - 60;
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ iat, exp: iat + 600, iss: app.appId }));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(app.privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

/**
 * A token for the GitOps backend: the stored token, or a fresh installation token minted with
 * the App's JWT (`POST /app/installations/{id}/access_tokens`).
 */
export async function resolveGithubToken(
  credentials: GithubCredentials,
  options: { baseUrl?: string; now: () => Date; fetch?: typeof fetch },
): Promise<string> {
  if ('token' in credentials) return credentials.token;
  const baseUrl = (options.baseUrl ?? 'https://api.github.com').replace(/\/$/, '');
  const response = await (options.fetch ?? fetch)(
    `${baseUrl}/app/installations/${encodeURIComponent(credentials.app.installationId)}/access_tokens`,
    {
      method: 'POST',
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${githubAppJwt(credentials.app, options.now())}`,
        'user-agent': 'finops-pipeline',
      },
      signal: AbortSignal.timeout(15_000),
    },
  );
  const body = (await response.json().catch(() => ({}))) as { token?: unknown; message?: unknown };
  if (!response.ok || typeof body.token !== 'string') {
    throw new GithubAuthError(
      `GitHub refused an installation token (HTTP ${response.status}: ${String(body.message ?? '')})`,
    );
  }
  return body.token;
}
