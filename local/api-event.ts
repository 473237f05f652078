import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ComposedApi } from './compose.ts';

/**
 * Routes a request as API Gateway would, and builds the REST proxy event it would send. Local mode's
 * HTTP server and the tests use it, so both exercise the handlers with events of the deployed shape.
 */
export interface RouteMatch {
  handler: keyof Omit<ComposedApi, 'deps'>;
  resource: string;
  pathParameters: Record<string, string> | null;
}

export function matchRoute(method: string, path: string): RouteMatch | undefined {
  if (path === '/v1/verifications' && method === 'POST') {
    return { handler: 'start', resource: '/v1/verifications', pathParameters: null };
  }
  const check = /^\/v1\/verifications\/([^/]+)\/check$/.exec(path);
  if (check && method === 'POST') {
    return {
      handler: 'check',
      resource: '/v1/verifications/{id}/check',
      pathParameters: { id: decode(check[1]!) },
    };
  }
  const one = /^\/v1\/verifications\/([^/]+)$/.exec(path);
  if (one && (method === 'GET' || method === 'DELETE')) {
    return {
      handler: method === 'GET' ? 'get' : 'cancel',
      resource: '/v1/verifications/{id}',
      pathParameters: { id: decode(one[1]!) },
    };
  }
  return undefined;
}

export function apiGatewayEvent(input: {
  method: string;
  path: string;
  route: RouteMatch;
  headers?: Record<string, string>;
  body?: string | null;
  sourceIp?: string;
  requestId?: string;
}): APIGatewayProxyEvent {
  const requestId = input.requestId ?? crypto.randomUUID();
  return {
    resource: input.route.resource,
    path: input.path,
    httpMethod: input.method,
    headers: input.headers ?? {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: input.route.pathParameters,
    stageVariables: null,
    body: input.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: input.method,
      identity: { sourceIp: input.sourceIp ?? '127.0.0.1' },
      path: input.path,
      stage: 'local',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: input.route.resource,
    },
  } as unknown as APIGatewayProxyEvent;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Calls the composed API with a JSON request as API Gateway would deliver it: routed, turned into a
 * proxy event, answered by the route's handler. Tests and the benchmark drive the service through it.
 */
export async function callApi(
  api: Pick<ComposedApi, 'start' | 'check' | 'get' | 'cancel'>,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const route = matchRoute(method, path);
  if (!route) throw new Error(`no route for ${method} ${path}`);
  const event = apiGatewayEvent({
    method,
    path,
    route,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return api[route.handler](event);
}
