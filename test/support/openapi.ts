/**
 * docs/openapi.yaml, read once, for the tests that hold it to the code: JSON pointers into it, `$ref`
 * following, and an Ajv 2020-12 validator for the schema at any pointer.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';
import { parse } from 'yaml';

export type Json = { [key: string]: unknown };

export const doc = parse(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8')) as Json;
const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, 'openapi');

export const ROUTES = {
  start: { method: 'post', path: '/v1/verifications' },
  check: { method: 'post', path: '/v1/verifications/{id}/check' },
  get: { method: 'get', path: '/v1/verifications/{id}' },
  cancel: { method: 'delete', path: '/v1/verifications/{id}' },
} as const;
export type Route = keyof typeof ROUTES;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
export const object = (value: unknown, where: string): Json => {
  if (!isObject(value)) throw new Error(`${where} is not an object in docs/openapi.yaml`);
  return value;
};
export const escapePointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');
const unescapePointer = (segment: string) => segment.replaceAll('~1', '/').replaceAll('~0', '~');

/** The node at a JSON pointer of the document. */
export function at(pointer: string): unknown {
  let node: unknown = doc;
  for (const segment of pointer.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) throw new Error(`${pointer} is not in docs/openapi.yaml`);
    node = (node as Json)[unescapePointer(segment)];
  }
  return node;
}

/** Follows `$ref`s (local ones only) to the node they name, keeping its pointer. */
export function follow(pointer: string): { pointer: string; node: Json } {
  let node = object(at(pointer), pointer);
  while (typeof node['$ref'] === 'string') {
    const ref = node['$ref'];
    if (!ref.startsWith('#/')) throw new Error(`non-local $ref ${ref}`);
    pointer = ref.slice(1);
    node = object(at(pointer), pointer);
  }
  return { pointer, node };
}

const validators = new Map<string, ValidateFunction>();
/** A validator for the schema at `pointer` (refs inside it resolve against the whole document). */
export function validatorAt(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    const fragment = pointer
      .split('/')
      .map((segment) => encodeURIComponent(segment))
      .join('/');
    validate = ajv.compile({ $ref: `openapi#${fragment}` });
    validators.set(pointer, validate);
  }
  return validate;
}

export function expectValid(pointer: string, value: unknown, what: string) {
  const validate = validatorAt(pointer);
  const valid = validate(value);
  expect(valid ? null : validate.errors, `${what} against ${pointer}: ${JSON.stringify(value)}`).toBeNull();
}

export const operationPointer = (route: Route) =>
  `/paths/${escapePointer(ROUTES[route].path)}/${ROUTES[route].method}`;
