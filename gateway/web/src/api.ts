/** Same-origin calls to the gateway; problems come back as Errors carrying their code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, options: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const body = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
  if (!response.ok) throw new ApiError(response.status, body.code ?? 'UNKNOWN', `${body.code ?? response.status}: ${body.detail ?? ''}`);
  return body as T;
}

export interface Session {
  token: string;
  role: string;
  sub: string;
}

/** The token stays in this tab only (sessionStorage); the server keeps nothing for the pages. */
export function session(): Session | undefined {
  const token = sessionStorage.getItem('token');
  if (!token) return undefined;
  try {
    // Only to choose what the page shows: the gateway checks the token itself on every call.
    const [, payload] = token.split('.');
    if (payload === undefined) return undefined;
    const claims: unknown = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { role, sub, exp } = claims as Record<string, unknown>;
    if (
      typeof role !== 'string' ||
      role === '' ||
      typeof sub !== 'string' ||
      sub === '' ||
      typeof exp !== 'number' ||
      exp * 1000 < Date.now()
    )
      return undefined;
    return { token, role, sub };
  } catch {
    return undefined;
  }
}

/** A token is kept but its `exp` has passed (or it cannot be read). */
export function storedTokenExpired(): boolean {
  const token = sessionStorage.getItem('token');
  return token !== null && token !== '' && session() === undefined;
}

export function signIn(token: string): void {
  sessionStorage.setItem('token', token.trim());
}

export function signOut(): void {
  sessionStorage.removeItem('token');
}
