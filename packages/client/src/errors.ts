/** The body Patron answers every non-2xx with (docs/errors.md). */
export interface ErrorBody {
  code: number;
  type: string;
  message: string;
  documentationUrl?: string;
  requestId?: string;
}

/**
 * A non-2xx answer, after any retries: the HTTP status, Patron's numeric code and type, and the
 * requestId that finds the request in Patron's logs. A body that is not Patron's (a proxy's HTML
 * page) leaves code and type undefined and is kept as text.
 */
export class PatronError extends Error {
  override readonly name = 'PatronError';
  readonly status: number;
  readonly code: number | undefined;
  readonly type: string | undefined;
  readonly requestId: string | undefined;
  readonly body: unknown;

  constructor(status: number, body: unknown, requestId?: string) {
    const error = isErrorBody(body) ? body : undefined;
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code;
    this.type = error?.type;
    this.requestId = error?.requestId ?? requestId;
    this.body = body;
  }

  /** Reads the answer's body (so the connection is freed) into an error. */
  static async of(response: Response): Promise<PatronError> {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return new PatronError(response.status, body, response.headers.get('x-request-id') ?? undefined);
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  return typeof body === 'object' && body !== null && typeof (body as ErrorBody).code === 'number';
}
