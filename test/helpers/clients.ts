import type { LightMyRequestResponse } from 'fastify';
import type { ParleyApp } from '../../src/server/app.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A caller of the app in-process, as a browser would be (session cookie + CSRF header), or as a
 * script with an API token, or anonymous.
 */
export class Client {
  cookie: string | undefined;
  csrfToken: string | undefined;
  bearer: string | undefined;
  userId: string | undefined;

  constructor(readonly app: ParleyApp) {}

  async request(method: Method, url: string, payload?: unknown, headers: Record<string, string> = {}) {
    const all: Record<string, string> = { ...headers };
    if (this.cookie) all.cookie = this.cookie;
    if (this.csrfToken && method !== 'GET' && all['x-csrf-token'] === undefined)
      all['x-csrf-token'] = this.csrfToken;
    if (this.bearer) all.authorization = `Bearer ${this.bearer}`;
    return this.app.inject({
      method,
      url,
      headers: all,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  }

  /** Keep the session cookie and CSRF token from a sign-up or log-in answer. */
  adopt(res: LightMyRequestResponse): LightMyRequestResponse {
    const setCookie = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('parley_session='));
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const body = res.json();
    this.csrfToken = body.csrfToken;
    this.userId = body.user?.id;
    return res;
  }

  async signup(username: string, password = 'correct horse battery', extra: object = {}) {
    const res = await this.request('POST', '/api/auth/signup', { username, password, ...extra });
    if (res.statusCode !== 201) throw new Error(`signup ${username}: ${res.statusCode} ${res.body}`);
    return this.adopt(res);
  }

  async login(username: string, password = 'correct horse battery') {
    const res = await this.request('POST', '/api/auth/login', { username, password });
    if (res.statusCode === 200) this.adopt(res);
    return res;
  }
}
