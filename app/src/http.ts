// JSON over HTTP with a deadline on every request, and failures sorted into what the page says:
// the server could not be reached, it took too long, or it refused with its own words.

export type HttpFailureKind = 'unreachable' | 'timeout' | 'refused';

export class HttpFailure extends Error {
  constructor(
    readonly kind: HttpFailureKind,
    readonly url: string,
    message: string,
    /** The oracle's refusal code (`{"code", "message"}` bodies), when it answered one. */
    readonly code?: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export const DEFAULT_TIMEOUT_MS = 15_000;

export function getJson<T>(url: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  return requestJson(url, { headers: { accept: 'application/json' } }, timeoutMs);
}

/** POSTs `body` as JSON (nothing when undefined). */
export function postJson<T>(url: string, body: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return requestJson(url, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) }, timeoutMs);
}

async function requestJson<T>(url: string, init: RequestInit, timeoutMs: number): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'TimeoutError') {
      throw new HttpFailure('timeout', url, `no answer from ${url} within ${timeoutMs / 1000} s`);
    }
    throw new HttpFailure('unreachable', url, `${url} cannot be reached`);
  }
  const text = await response.text();
  if (!response.ok) {
    let code: string | undefined;
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = JSON.parse(text) as { code?: unknown; message?: unknown };
      if (typeof body.code === 'string') code = body.code;
      if (typeof body.message === 'string') message = body.message;
    } catch {
      // Not one of the oracle's refusal bodies (a proxy's error page): the status says it.
    }
    // A gateway in front of an oracle that is down answers 502-504: that is "unreachable".
    const kind: HttpFailureKind = response.status >= 502 && response.status <= 504 && !code ? 'unreachable' : 'refused';
    throw new HttpFailure(kind, url, message, code, response.status);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new HttpFailure('refused', url, `${url} answered something that is not JSON`, undefined, response.status);
  }
}
