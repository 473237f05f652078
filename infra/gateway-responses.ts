/**
 * The answers API Gateway gives itself, without calling a function, in the contract's envelope: what
 * `createApi` configures (infra/api.ts), and what docs/openapi.yaml lists for each route.
 * test/integration/openapi-conformance.test.ts renders each one as the gateway would and holds it
 * to the document, so a gateway answer cannot go undocumented. Plain data: no CDK import.
 */

/** The routes an answer can reach: every route, or those with a JSON body (the two POSTs). */
export type GatewayRoutes = 'every' | 'with_body' | 'none';

export interface GatewayError {
  /** API Gateway's response type (`AWS::ApiGateway::GatewayResponse` `ResponseType`). */
  type: string;
  /** The statuses it answers with (the gateway's own for the type, or the one set here). */
  statuses: readonly number[];
  /** Set on the gateway response when the gateway's own status is not the contract's. */
  statusOverride?: string;
  code: string;
  /** The message, or undefined for API Gateway's own (`$context.error.messageString`). */
  message?: string;
  headers?: Readonly<Record<string, string>>;
  /** Which routes can get it; `none`: configured for safety, but no request to a route reaches it. */
  routes: GatewayRoutes;
}

export const GATEWAY_ERRORS: readonly GatewayError[] = [
  {
    type: 'BAD_REQUEST_BODY',
    statuses: [400],
    code: 'invalid_request',
    message: 'The body must be a JSON object.',
    routes: 'with_body',
  },
  // The path always carries the id when it matches a route.
  { type: 'BAD_REQUEST_PARAMETERS', statuses: [400], code: 'invalid_request', routes: 'none' },
  {
    type: 'INVALID_API_KEY',
    statuses: [403],
    code: 'invalid_api_key',
    message: 'A valid API key is required in the x-api-key header.',
    routes: 'every',
  },
  // No authorizer and no resource policy: nothing denies access but the key (or a web ACL, below).
  { type: 'ACCESS_DENIED', statuses: [403], code: 'forbidden', routes: 'none' },
  // API Gateway answers 403 for a path or method that does not exist; the contract says 404.
  {
    type: 'MISSING_AUTHENTICATION_TOKEN',
    statuses: [404],
    statusOverride: '404',
    code: 'not_found',
    message: 'No such route.',
    routes: 'none',
  },
  {
    type: 'RESOURCE_NOT_FOUND',
    statuses: [404],
    statusOverride: '404',
    code: 'not_found',
    message: 'No such route.',
    routes: 'none',
  },
  {
    type: 'REQUEST_TOO_LARGE',
    statuses: [413],
    code: 'payload_too_large',
    message: 'The request is too large.',
    routes: 'with_body',
  },
  { type: 'UNSUPPORTED_MEDIA_TYPE', statuses: [415], code: 'unsupported_media_type', routes: 'with_body' },
  {
    type: 'THROTTLED',
    statuses: [429],
    code: 'throttled',
    message: 'Too many requests for this API key; slow down.',
    headers: { 'Retry-After': '1' },
    routes: 'every',
  },
  {
    type: 'QUOTA_EXCEEDED',
    statuses: [429],
    code: 'quota_exceeded',
    message: "This API key's request quota is used up.",
    routes: 'every',
  },
  // Any other refusal; on a route, a request a web ACL (`api.webAclArn`) blocks (WAF_FILTERED, 403).
  { type: 'DEFAULT_4XX', statuses: [403], code: 'request_rejected', routes: 'every' },
  // A function that crashed or timed out (502, 504), as opposed to the 500 a function answers itself.
  {
    type: 'DEFAULT_5XX',
    statuses: [502, 504],
    code: 'internal_error',
    message: 'Something went wrong on our side; try again.',
    routes: 'every',
  },
];

/** The error envelope of the contract, for errors API Gateway answers itself (a VTL template). */
export function gatewayTemplate(error: GatewayError): string {
  const message =
    error.message === undefined ? '$context.error.messageString' : JSON.stringify(error.message);
  return `{"error":{"code":"${error.code}","message":${message}}}`;
}
