/**
 * docs/openapi.yaml on its own and against the code's constants: the four routes and the key scheme,
 * enums, defaults and limits, and an example for every body, each valid against its schema.
 * test/integration/openapi-conformance.test.ts holds the real handlers to the same document.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CASCADE_STEPS, MAX_STEP_WAIT_SECONDS } from '../../functions/core/cascade.ts';
import { MAX_GUESS_LENGTH, MIN_CODE_LENGTH } from '../../functions/core/codes.ts';
import { DEFAULT_SETTINGS } from '../../functions/core/settings.ts';
import { CHANNELS, DELIVERY_STATES, STATUSES } from '../../functions/core/verification.ts';
import { IDEMPOTENCY_TTL_SECONDS } from '../../functions/http/idempotency.ts';
import { MAX_BODY_BYTES } from '../../functions/http/request.ts';
import { parseStartBody } from '../../functions/http/start-schema.ts';
import { GATEWAY_ERRORS, gatewayTemplate } from '../../infra/gateway-responses.ts';
import {
  at,
  doc,
  escapePointer,
  expectValid,
  follow,
  type Json,
  object,
  operationPointer,
  ROUTES,
  type Route,
  validatorAt,
} from '../support/openapi.ts';

describe('docs/openapi.yaml', () => {
  it('is an OpenAPI 3.1 document of the four v1 routes, with the x-api-key scheme', () => {
    expect(doc['openapi']).toMatch(/^3\.1\.\d+$/);
    const paths = object(doc['paths'], 'paths');
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(object(item, path))
        .filter((key) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(key))
        .map((method) => `${method} ${path}`),
    );
    expect(operations.sort()).toEqual(
      Object.values(ROUTES)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    );
    expect(at('/components/securitySchemes/apiKey')).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'x-api-key',
    });
    expect(doc['security']).toEqual([{ apiKey: [] }]);
    const startParameters = object(at(operationPointer('start')), 'start')['parameters'] as Json[];
    const names = startParameters.map(
      (_, i) => follow(`${operationPointer('start')}/parameters/${i}`).node['name'],
    );
    expect(names).toContain('Idempotency-Key');
  });

  it('agrees with the code on enums, defaults and limits', () => {
    expect(at('/components/schemas/Channel/enum')).toEqual([...CHANNELS]);
    expect(at('/components/schemas/Status/enum')).toEqual([...STATUSES]);
    expect(at('/components/schemas/ClosedStatus/enum')).toEqual(STATUSES.filter((s) => s !== 'pending'));
    expect(at('/components/schemas/Delivery/enum')).toEqual([...DELIVERY_STATES]);
    const start = '/components/schemas/StartRequest';
    expect(at(`${start}/properties/locale/default`)).toBe(DEFAULT_SETTINGS.defaultLocale);
    expect(at(`${start}/properties/voiceFallback/default`)).toBe(true);
    expect(at(`${start}/properties/cascade/maxItems`)).toBe(MAX_CASCADE_STEPS);
    const step = '/components/schemas/CascadeStepRequest/properties';
    expect([at(`${step}/afterSeconds/minimum`), at(`${step}/afterSeconds/maximum`)]).toEqual([
      1,
      MAX_STEP_WAIT_SECONDS,
    ]);
    expect(at(`${start}/additionalProperties`)).toBe(true);
    expect(at('/components/schemas/CheckRequest/additionalProperties')).toBe(true);
    expect(at('/components/schemas/CheckRequest/properties/code/minLength')).toBe(MIN_CODE_LENGTH);
    expect(at('/components/schemas/CheckRequest/properties/code/maxLength')).toBe(MAX_GUESS_LENGTH);
    // The examples are what a default service answers: 5 attempts, 300 s validity, 30 s cooldown.
    const created = object(
      at(`${operationPointer('start')}/responses/201/content/application~1json/example`),
      '201',
    );
    expect(created['attemptsRemaining']).toBe(DEFAULT_SETTINGS.maxAttempts);
    expect(Date.parse(String(created['expiresAt'])) - Date.parse(String(created['resendAvailableAt']))).toBe(
      (DEFAULT_SETTINGS.ttlSeconds - DEFAULT_SETTINGS.resendCooldownSeconds) * 1000,
    );
    const info = String(object(doc['info'], 'info')['description']);
    expect(info).toContain(`${DEFAULT_SETTINGS.codeLength}-digit codes`);
    expect(info).toContain(`valid ${DEFAULT_SETTINGS.ttlSeconds} s`);
    expect(info).toContain(`${DEFAULT_SETTINGS.maxAttempts} check attempts`);
    expect(info).toContain(`${DEFAULT_SETTINGS.resendCooldownSeconds} s resend cooldown`);
    expect(info).toContain(`${DEFAULT_SETTINGS.maxSendsPerHour} sends per destination`);
    expect(info).toContain(`${DEFAULT_SETTINGS.maxSendsPerDeviceIpPerHour} sends per device IP`);
    expect(info).toContain(`${MAX_BODY_BYTES.toLocaleString('en-US')} bytes`);
    const tooLarge = JSON.stringify(
      at('/components/responses/PayloadTooLarge/content/application~1json/example'),
    );
    expect(tooLarge).toContain(`${MAX_BODY_BYTES / 1024} KiB`);
    const idempotency = String(at('/components/parameters/IdempotencyKey/description'));
    expect(idempotency).toContain(`${IDEMPOTENCY_TTL_SECONDS / 60} minutes`);
  });

  it('has an example for every request body and response, each valid against its own schema', () => {
    let examples = 0;
    for (const route of Object.keys(ROUTES) as Route[]) {
      const operation = object(at(operationPointer(route)), route);
      const media: string[] = [];
      if (operation['requestBody'])
        media.push(`${operationPointer(route)}/requestBody/content/application~1json`);
      for (const status of Object.keys(object(operation['responses'], route))) {
        const response = follow(`${operationPointer(route)}/responses/${status}`);
        media.push(`${response.pointer}/content/application~1json`);
        for (const name of Object.keys(object(response.node['headers'] ?? {}, status))) {
          const header = follow(`${response.pointer}/headers/${escapePointer(name)}`);
          expect(header.node, `${route} ${status} header ${name}`).toHaveProperty('example');
          expectValid(
            `${header.pointer}/schema`,
            header.node['example'],
            `${route} ${status} header example`,
          );
        }
      }
      for (const pointer of media) {
        const node = object(at(pointer), pointer);
        const values =
          'example' in node
            ? [node['example']]
            : Object.values(object(node['examples'], pointer)).map((e) => object(e, pointer)['value']);
        expect(values.length, `${pointer} has no example`).toBeGreaterThan(0);
        for (const value of values) {
          expectValid(`${pointer}/schema`, value, `example of ${pointer}`);
          examples++;
        }
      }
    }
    for (const name of Object.keys(object(at('/components/parameters'), 'parameters'))) {
      const parameter = object(at(`/components/parameters/${name}`), name);
      expectValid(`/components/parameters/${name}/schema`, parameter['example'], `parameter ${name}`);
    }
    expect(examples).toBeGreaterThanOrEqual(25);
  });

  it('catches a body that does not match (the validation can fail)', () => {
    const pointer = `${operationPointer('check')}/responses/200/content/application~1json/schema`;
    const good = {
      id: 'AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBB',
      status: 'approved',
      valid: true,
      attemptsRemaining: 4,
    };
    expect(validatorAt(pointer)(good)).toBe(true);
    expect(validatorAt(pointer)({ ...good, status: 'approved!' })).toBe(false);
    expect(validatorAt(pointer)({ ...good, extra: 1 })).toBe(false);
    expect(validatorAt(pointer)({ ...good, attemptsRemaining: -1 })).toBe(false);
    const closed = follow(`${operationPointer('check')}/responses/409`).pointer;
    expect(
      validatorAt(`${closed}/content/application~1json/schema`)({ error: { code: 'x', message: 'y' } }),
    ).toBe(false);
  });

  it('links each start answer to the check, read and cancel of the verification it names', () => {
    const operations = new Map(
      (Object.keys(ROUTES) as Route[]).map((route) => [
        object(at(operationPointer(route)), route)['operationId'],
        route,
      ]),
    );
    for (const status of ['201', '200']) {
      const links = object(at(`${operationPointer('start')}/responses/${status}/links`), `${status} links`);
      const targets = Object.keys(links).map((name) => {
        const link = follow(`${operationPointer('start')}/responses/${status}/links/${name}`).node;
        const route = operations.get(link['operationId']);
        expect(route, `link ${name}`).toBeDefined();
        // Every path parameter of the target is filled from the answer's `id`, which is required.
        expect(link['parameters']).toEqual({ id: '$response.body#/id' });
        expect(ROUTES[route!].path).toContain('{id}');
        return route;
      });
      expect(targets.sort()).toEqual(['cancel', 'check', 'get']);
    }
    expect(at('/components/schemas/SendResult/required')).toContain('id');
  });

  it('deviceIp: the document takes every address the service takes, IPv4, IPv6 and IPv6 with a zone id', () => {
    const schema = '/components/schemas/StartRequest/properties/deviceIp';
    const zone = fc.stringMatching(/^[0-9A-Za-z.:-]{1,12}$/);
    const address = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.tuple(fc.ipV6(), zone).map(([ip, id]) => `${ip}%${id}`),
    );
    fc.assert(
      fc.property(address, (ip) => {
        expect(
          () => parseStartBody({ to: 'ana@example.com', channel: 'email', deviceIp: ip }),
          ip,
        ).not.toThrow();
        expect(validatorAt(schema)(ip), ip).toBe(true);
      }),
    );
    // And what the service refuses, the document does not promise to take (apart from a zone id
    // after a malformed address, which only the service can tell).
    for (const bad of ['999.1.1.1', '1.2.3', 'fe80::1%', 'fe80::1%%a', 'localhost', '', '1.2.3.4%eth0']) {
      expect(() => parseStartBody({ to: 'ana@example.com', channel: 'email', deviceIp: bad }), bad).toThrow();
      expect(validatorAt(schema)(bad), bad).toBe(false);
    }
  });

  it('lists every answer API Gateway gives itself on the routes it can reach, in its rendered shape', () => {
    for (const error of GATEWAY_ERRORS) {
      const body = JSON.parse(gatewayTemplate(error).replace('$context.error.messageString', '"Forbidden"'));
      expect(body.error.code).toBe(error.code);
    }
    // The gateway's 404 for a route this document does not list.
    const noSuchRoute = GATEWAY_ERRORS.find((error) => error.type === 'MISSING_AUTHENTICATION_TOKEN')!;
    expect(at('/components/responses/NoSuchRoute/content/application~1json/example')).toEqual(
      JSON.parse(gatewayTemplate(noSuchRoute)),
    );
    expectValid(
      '/components/responses/NoSuchRoute/content/application~1json/schema',
      JSON.parse(gatewayTemplate(noSuchRoute)),
      'the gateway 404',
    );
  });
});
