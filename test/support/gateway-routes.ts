/**
 * The REST API as a synthesized template defines it, held to docs/openapi.yaml route for route: the
 * same methods on the same paths and no other, each behind the API key the document's security asks
 * for, each a proxy integration of the function that serves it, a request validator checking what the
 * document requires (a JSON body, the path parameters), and the gateway's own error answers in the
 * contract's envelope with the codes the document gives for their status.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import type { HandlerName } from '../../infra/otp-function.ts';
import type { DeployedFunction } from './deployed-stack.ts';
import { at, doc, isObject, type Json, object, ROUTES, type Route } from './openapi.ts';
import { resources } from './synth.ts';

/** The function that serves each documented route. */
const ROUTE_HANDLERS: Record<Route, HandlerName> = {
  start: 'start',
  check: 'check',
  get: 'status',
  cancel: 'cancel',
};

/** Gateway refusals the document leaves to its security scheme's prose, each with the reason. */
export const GATEWAY_ONLY_RESPONSES: Readonly<Record<string, string>> = {
  INVALID_API_KEY:
    'A request without a valid key never reaches the service (components/securitySchemes/apiKey).',
  ACCESS_DENIED: 'As INVALID_API_KEY: refused by API Gateway before the service.',
  THROTTLED: "The usage plan's throttle, per API key, before the service.",
  QUOTA_EXCEEDED: "The usage plan's quota, per API key, before the service.",
  UNSUPPORTED_MEDIA_TYPE: 'Bodies are JSON (the document names application/json only).',
  DEFAULT_4XX: "Any other refusal of API Gateway's, in the contract's envelope.",
};

/** API Gateway's status for a response type when the template sets none. */
const DEFAULT_STATUS: Record<string, string> = {
  BAD_REQUEST_BODY: '400',
  BAD_REQUEST_PARAMETERS: '400',
  INVALID_API_KEY: '403',
  ACCESS_DENIED: '403',
  MISSING_AUTHENTICATION_TOKEN: '403',
  RESOURCE_NOT_FOUND: '404',
  REQUEST_TOO_LARGE: '413',
  UNSUPPORTED_MEDIA_TYPE: '415',
  THROTTLED: '429',
  QUOTA_EXCEEDED: '429',
  DEFAULT_5XX: '500',
};

type Properties = Record<string, unknown>;
const refOf = (value: unknown) => (value as { Ref?: string } | undefined)?.Ref;

/** `POST /v1/verifications` etc., as the template's resources and methods spell them. */
function templatePaths(template: Template): Map<string, string> {
  const apiResources = resources(template, 'AWS::ApiGateway::Resource');
  const pathOf = (id: string | undefined): string => {
    if (id === undefined) return '';
    const props = apiResources[id]!.Properties;
    return `${pathOf(refOf(props['ParentId']))}/${String(props['PathPart'])}`;
  };
  return new Map(Object.keys(apiResources).map((id) => [id, pathOf(id)]));
}

/** Every string a document node holds, following its local `$ref`s (the codes a response can carry). */
function stringsIn(node: unknown, seen = new Set<string>()): Set<string> {
  const found = new Set<string>();
  const walk = (value: unknown) => {
    if (typeof value === 'string') found.add(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (isObject(value)) {
      const ref = value['$ref'];
      if (typeof ref === 'string' && ref.startsWith('#/') && !seen.has(ref)) {
        seen.add(ref);
        walk(at(ref.slice(1)));
      }
      for (const [key, inner] of Object.entries(value))
        if (key !== '$ref' && key !== 'description') walk(inner);
    }
  };
  walk(node);
  return found;
}

export function gatewayProblems(template: Template, functions: DeployedFunction[]): string[] {
  const problems: string[] = [];
  const paths = templatePaths(template);
  const validators = resources(template, 'AWS::ApiGateway::RequestValidator');
  const handlerOf = new Map(functions.map((fn) => [fn.logicalId, fn.handler]));
  const methods = new Map<string, Properties>();
  for (const method of Object.values(resources(template, 'AWS::ApiGateway::Method'))) {
    const props = method.Properties;
    const key = `${String(props['HttpMethod'])} ${paths.get(refOf(props['ResourceId']) ?? '') ?? '/'}`;
    methods.set(key, props);
  }

  const documented = new Map<string, Route>(
    (Object.keys(ROUTES) as Route[]).map((route) => [
      `${ROUTES[route].method.toUpperCase()} ${ROUTES[route].path}`,
      route,
    ]),
  );
  const documentPaths = object(doc['paths'], 'paths');
  for (const [path, item] of Object.entries(documentPaths)) {
    for (const method of Object.keys(object(item, path)).filter((m) => m !== 'parameters')) {
      if (!documented.has(`${method.toUpperCase()} ${path}`))
        problems.push(`${method.toUpperCase()} ${path}: documented, not in ROUTES`);
    }
  }
  for (const key of methods.keys()) {
    if (!documented.has(key)) problems.push(`${key}: in the template, not in docs/openapi.yaml`);
  }

  const globalSecurity = JSON.stringify(doc['security'] ?? []);
  for (const [key, route] of documented) {
    const props = methods.get(key);
    if (!props) {
      problems.push(`${key}: in docs/openapi.yaml, not in the template`);
      continue;
    }
    const { path, method } = ROUTES[route];
    const pathItem = object(documentPaths[path], path);
    const operation = object(pathItem[method], key);
    const security = JSON.stringify(operation['security'] ?? JSON.parse(globalSecurity));
    const keyRequired = security.includes('"apiKey"');
    if (Boolean(props['ApiKeyRequired']) !== keyRequired) {
      problems.push(
        `${key}: ApiKeyRequired is ${String(props['ApiKeyRequired'])}, the document's security says ${keyRequired}`,
      );
    }
    const integration = (props['Integration'] ?? {}) as Properties;
    const target = JSON.stringify(integration['Uri'] ?? '').match(/"Fn::GetAtt":\["([^"]+)","Arn"\]/)?.[1];
    if (integration['Type'] !== 'AWS_PROXY' || handlerOf.get(target ?? '') !== ROUTE_HANDLERS[route]) {
      problems.push(`${key}: not a proxy integration of the ${ROUTE_HANDLERS[route]} function`);
    }

    const validator = validators[refOf(props['RequestValidatorId']) ?? '']?.Properties ?? {};
    const bodyRequired = isObject(operation['requestBody']) && operation['requestBody']['required'] === true;
    const hasModel = isObject(props['RequestModels']) && 'application/json' in props['RequestModels'];
    if (bodyRequired !== (Boolean(validator['ValidateRequestBody']) && hasModel)) {
      problems.push(
        `${key}: the document ${bodyRequired ? 'requires' : 'requires no'} body, the gateway ${hasModel ? 'validates one' : 'does not validate one'}`,
      );
    }
    const parameters = [
      ...((pathItem['parameters'] as Json[]) ?? []),
      ...((operation['parameters'] as Json[]) ?? []),
    ]
      .map((p) => (typeof p['$ref'] === 'string' ? object(at(p['$ref'].slice(1)), p['$ref']) : p))
      .filter((p) => p['required'] === true && p['in'] === 'path')
      .map((p) => `method.request.path.${String(p['name'])}`);
    const required = Object.entries((props['RequestParameters'] ?? {}) as Record<string, boolean>)
      .filter(([, value]) => value)
      .map(([name]) => name);
    if (JSON.stringify(parameters.sort()) !== JSON.stringify(required.sort())) {
      problems.push(
        `${key}: the document requires ${parameters.join(', ') || 'no parameter'}, the gateway ${required.join(', ') || 'none'}`,
      );
    }
    if (parameters.length > 0 && !validator['ValidateRequestParameters']) {
      problems.push(`${key}: its path parameters are not validated`);
    }
  }

  const responsesByStatus = new Map<string, Set<string>>();
  for (const [path, item] of Object.entries(documentPaths)) {
    for (const [method, operation] of Object.entries(object(item, path))) {
      if (method === 'parameters') continue;
      for (const [status, response] of Object.entries(
        object(object(operation, method)['responses'], status0(method)),
      )) {
        const codes = responsesByStatus.get(status) ?? new Set<string>();
        for (const text of stringsIn(response)) codes.add(text);
        responsesByStatus.set(status, codes);
      }
    }
  }
  for (const response of Object.values(resources(template, 'AWS::ApiGateway::GatewayResponse'))) {
    const props = response.Properties;
    const type = String(props['ResponseType']);
    const body = String(
      (props['ResponseTemplates'] as Record<string, string> | undefined)?.['application/json'] ?? '',
    );
    const code = /^\{"error":\{"code":"([a-z_]+)","message":/.exec(body)?.[1];
    if (!code) {
      problems.push(`${type}: its body is not the contract's error envelope`);
      continue;
    }
    if (GATEWAY_ONLY_RESPONSES[type]) continue;
    const status = String(props['StatusCode'] ?? DEFAULT_STATUS[type] ?? '');
    const codes = responsesByStatus.get(status);
    if (!codes) problems.push(`${type}: answers ${status}, which docs/openapi.yaml gives no route`);
    else if (!codes.has(code))
      problems.push(`${type}: answers ${status} ${code}, not a code the document gives for ${status}`);
  }
  return problems.sort();
}

const status0 = (method: string) => `${method} responses`;
