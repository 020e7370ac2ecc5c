/** A small client of the gateway's HTTP API for the simulator's scenarios (keeps its session cookie). */
export interface Credentials {
  name: string;
  password: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
    this.name = 'ApiError';
  }
}

export class SealApi {
  private cookie = '';

  constructor(
    readonly base: string,
    readonly who: Credentials,
  ) {}

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- scenario code reads arbitrary JSON
  async req(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    if (!this.cookie && path !== '/api/login') await this.login();
    const res = await fetch(this.base + path, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(this.cookie ? { cookie: this.cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed };
  }

  async login(): Promise<void> {
    const r = await this.req('POST', '/api/login', { username: this.who.name, password: this.who.password });
    if (r.status !== 200) throw new ApiError(r.status, r.body, `login ${this.who.name}`);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async ok(method: string, path: string, body: unknown, what: string, expect = [200, 201]): Promise<any> {
    const r = await this.req(method, path, body);
    if (!expect.includes(r.status)) throw new ApiError(r.status, r.body, what);
    return r.body;
  }

  fileRequest(body: { seal: string; matter: string; title: string; count: number; notBefore?: number | string; notAfter?: number | string; note?: string }) {
    return this.ok('POST', '/api/seal/requests', body, 'file request');
  }
  approve(id: string, note?: string) {
    return this.ok('POST', `/api/seal/requests/${id}/approve`, note ? { note } : {}, `approve ${id}`);
  }
  reject(id: string, reason: string) {
    return this.ok('POST', `/api/seal/requests/${id}/reject`, { reason }, `reject ${id}`);
  }
  withdraw(id: string, reason?: string) {
    return this.ok('POST', `/api/seal/requests/${id}/withdraw`, reason ? { reason } : {}, `withdraw ${id}`);
  }
  revoke(grant: string, reason: string) {
    return this.ok('POST', `/api/seal/grants/${grant}/revoke`, { reason }, `revoke ${grant}`);
  }
  lock(seal: string, reason: string) {
    return this.ok('POST', `/api/seal/seals/${seal}/lock`, { reason }, `lock ${seal}`);
  }
  breakGlass(seal: string, body: { reason: string; uses?: number; minutes?: number; title?: string }) {
    return this.ok('POST', `/api/seal/seals/${seal}/break-glass`, body, `break-glass ${seal}`);
  }
  request(id: string) {
    return this.ok('GET', `/api/seal/requests/${id}`, undefined, `request ${id}`);
  }
}
