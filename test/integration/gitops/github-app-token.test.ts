import { createVerify, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '#shared/errors';
import { GithubAuthError, parseGithubSecret, resolveGithubToken } from '#shared/gitops/github-token';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

describe('GitHub secrets', () => {
  it.each([
    ['ghp_plain\n', { token: 'ghp_plain' }],
    ['{"token":"ghp_json"}', { token: 'ghp_json' }],
    [
      '{"appId":123,"installationId":"456","privateKey":"PEM"}',
      { app: { appId: '123', installationId: '456', privateKey: 'PEM' } },
    ],
  ])('reads %j', (secret, expected) => expect(parseGithubSecret(secret)).toEqual(expected));

  it('never echoes the secret when its JSON has neither a token nor App credentials', () => {
    expect(() => parseGithubSecret('{"pat":"ghp_secret"}')).toThrow(ConfigError);
    expect(() => parseGithubSecret('{"pat":"ghp_secret"}')).not.toThrow(/ghp_secret/);
  });
});

describe('GitHub App installation tokens against a loopback API', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ path: string; authorization: string }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const authorization = request.headers.authorization ?? '';
      seen.push({ path: request.url ?? '', authorization });
      const [header = '', payload = '', signature = ''] = authorization.replace('Bearer ', '').split('.');
      const valid = createVerify('RSA-SHA256')
        .update(`${header}.${payload}`)
        .verify(publicKey, Buffer.from(signature, 'base64url'));
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
        iss: string;
        iat: number;
        exp: number;
      };
      if (!valid || claims.iss !== '123') {
        response
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"message":"A JSON web token could not be decoded"}');
        return;
      }
      response
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: `ghs_${claims.exp - claims.iat}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('mints an installation token with a signed JWT when the secret holds App credentials', async () => {
    // Act
    const token = await resolveGithubToken(
      { app: { appId: '123', installationId: '456', privateKey: pem } },
      { baseUrl: url, now: () => new Date('2026-11-26T02:00:00Z') },
    );
    // Assess
    expect(token).toBe('ghs_600');
    expect(seen.at(-1)?.path).toBe('/app/installations/456/access_tokens');
  });

  it('fails with the API message when GitHub refuses the JWT', async () => {
    // Prepare
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs1', format: 'pem' })
      .toString();
    // Act + Assess
    await expect(
      resolveGithubToken(
        { app: { appId: '123', installationId: '456', privateKey: other } },
        { baseUrl: url, now: () => new Date() },
      ),
    ).rejects.toThrow(GithubAuthError);
  });
});
