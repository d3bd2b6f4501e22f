import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorCatalogue, ERRORS_DOC_PATH } from '../errors.js';
import { html } from '../console/html.js';

const entries = () =>
  Object.values(errorCatalogue).map(({ status, code, type, description }) => ({ status, code, type, description }));

/**
 * HTML when the caller asks for it before JSON (a browser following an error's documentationUrl);
 * JSON otherwise, as the catalogue has always been served to programs.
 */
function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  const htmlAt = accept.indexOf('text/html');
  const jsonAt = accept.indexOf('application/json');
  return htmlAt >= 0 && (jsonAt < 0 || htmlAt < jsonAt);
}

function page() {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Patron errors</title></head>
<body><main>
<h1>Patron errors</h1>
<p>Every error answer has the same body: <code>code</code>, <code>type</code>, <code>message</code> (it names the field at fault),
<code>documentationUrl</code> (a link to its row here) and <code>requestId</code> (also in the <code>x-request-id</code> header, and in the logs).
A refused request has written nothing. The same list as JSON: <code>Accept: application/json</code>.</p>
<table>
<thead><tr><th scope="col">code</th><th scope="col">HTTP status</th><th scope="col">type</th><th scope="col">meaning</th></tr></thead>
<tbody>${entries().map(
    (e) =>
      html`<tr id="${e.code}"><th scope="row"><a href="#${e.code}">${e.code}</a></th><td>${e.status}</td><td>${e.type}</td><td>${e.description}</td></tr>`,
  )}</tbody>
</table>
</main></body></html>`;
}

/** GET /errors: the error catalogue every error body's documentationUrl points into (#code). */
export function registerErrorsPage(app: FastifyInstance): void {
  app.get(ERRORS_DOC_PATH, { schema: { hide: true } }, async (request, reply) => {
    reply.header('vary', 'Accept');
    if (!wantsHtml(request)) return entries();
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
      .send(page().text);
  });
}
