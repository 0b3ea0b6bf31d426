import * as client from 'openid-client';
import type { OidcConfig } from '../config.js';
import { AppError } from '../errors.js';
import { claimAt, groupsFrom, type VerifiedIdentity } from './sso-sign-in.js';

/** What the login step hands the callback (kept in a signed, HTTP-only, 10-minute cookie). */
export interface OidcTransient {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

const REQUEST_TIMEOUT_S = 10;
/** A failed discovery is retried on the next sign-in, but not more often than this. */
const RETRY_DISCOVERY_MS = 10_000;

/**
 * The relying party: talks to the OpenID provider with `openid-client` (discovery, the
 * authorization URL with PKCE + state + nonce, the code exchange with every check, userinfo,
 * RP-initiated logout). Discovery happens at the first sign-in, so a provider that is down at
 * startup does not keep Parley from starting; its answer is kept.
 */
export class OidcClient {
  private configuration: Promise<client.Configuration> | undefined;
  private failedAt = 0;

  constructor(readonly settings: OidcConfig) {}

  private discover(): Promise<client.Configuration> {
    if (!this.configuration) {
      if (Date.now() - this.failedAt < RETRY_DISCOVERY_MS) {
        return Promise.reject(providerDown());
      }
      const { issuer, clientId, clientSecret } = this.settings;
      const insecure = new URL(issuer).protocol === 'http:';
      this.configuration = client
        .discovery(
          new URL(issuer),
          clientId,
          clientSecret ? { client_secret: clientSecret } : undefined,
          clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
          { timeout: REQUEST_TIMEOUT_S, execute: insecure ? [client.allowInsecureRequests] : [] },
        )
        .catch((error: unknown) => {
          this.configuration = undefined;
          this.failedAt = Date.now();
          throw providerDown(error);
        });
    }
    return this.configuration;
  }

  /** Where to send the browser, and the secrets the callback will need. */
  async start(redirectUri: string): Promise<{ url: string; transient: OidcTransient }> {
    const config = await this.discover();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes,
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, transient: { state, nonce, codeVerifier, redirectUri } };
  }

  /**
   * The provider's answer at the callback: state, then the code exchanged with the PKCE verifier,
   * then the ID token (signature, issuer, audience, expiry, nonce). Throws on any mismatch.
   */
  async finish(query: URLSearchParams, transient: OidcTransient): Promise<VerifiedIdentity> {
    const config = await this.discover();
    const currentUrl = new URL(transient.redirectUri);
    for (const [key, value] of query) currentUrl.searchParams.append(key, value);
    const tokens = await client.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: transient.codeVerifier,
      expectedState: transient.state,
      expectedNonce: transient.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (!idClaims) throw new Error('no ID token');
    // What the identity is stored under (issuer up to 500 characters, subject up to 255).
    if (idClaims.sub.length > 255 || idClaims.iss.length > 500) throw new Error('subject or issuer too long');
    let claims: Record<string, unknown> = { ...idClaims };
    // Providers put profile claims and groups in the ID token or only in userinfo: read both,
    // the ID token winning. Userinfo is bound to the same subject.
    if (config.serverMetadata().userinfo_endpoint && tokens.access_token) {
      try {
        const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        claims = { ...info, ...idClaims };
      } catch {
        // The ID token alone is enough to sign in.
      }
    }
    const text = (name: string, max: number) => {
      const value = claims[name];
      return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : null;
    };
    return {
      issuer: idClaims.iss,
      subject: idClaims.sub,
      email: text('email', 320),
      preferredUsername: text('preferred_username', 100),
      name: text('name', 100),
      groups: groupsFrom(claimAt(claims, this.settings.groupsClaim)),
    };
  }

  /**
   * The provider's RP-initiated logout URL (end_session_endpoint), or undefined when it has none
   * (Google, for one) or cannot be reached now: then only the Parley session ends.
   */
  async endSessionUrl(postLogoutRedirectUri: string): Promise<string | undefined> {
    try {
      const config = await this.discover();
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      return client.buildEndSessionUrl(config, {
        client_id: this.settings.clientId,
        post_logout_redirect_uri: postLogoutRedirectUri,
      }).href;
    } catch {
      return undefined;
    }
  }
}

const providerDown = (cause?: unknown) =>
  new AppError('unavailable', 'The single sign-on provider cannot be reached; try again in a moment.', {
    cause,
    retryAfterSeconds: 10,
  });
