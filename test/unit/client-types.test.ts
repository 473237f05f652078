/**
 * The client's types (functions/client/types.ts) against docs/openapi.yaml: every object type names
 * the members its schema has, required as the schema requires them, and every union lists the
 * schema's enum. The compiler holds each `…_FIELDS` record to its type, so a member added to the
 * document (or to a type) without the other fails here.
 */
import { describe, expect, it } from 'vitest';
import * as types from '../../functions/client/types.ts';
import { at, follow, type Json, object } from '../support/openapi.ts';

/** The object schema at a pointer, `$ref`s and `allOf`s followed: its members and which are required. */
function shape(pointer: string): Record<string, 'required' | 'optional'> {
  const { node, pointer: resolved } = follow(pointer);
  const parts = Array.isArray(node['allOf'])
    ? (node['allOf'] as Json[]).map((_, i) => follow(`${resolved}/allOf/${i}`).node)
    : [node];
  const required = new Set(parts.flatMap((part) => (part['required'] as string[] | undefined) ?? []));
  const members = parts.flatMap((part) => Object.keys(object(part['properties'] ?? {}, resolved)));
  return Object.fromEntries(members.map((name) => [name, required.has(name) ? 'required' : 'optional']));
}

const SCHEMAS: Record<string, Record<string, string>> = {
  Transaction: types.TRANSACTION_FIELDS,
  CascadeStepRequest: types.CASCADE_STEP_REQUEST_FIELDS,
  StartRequest: types.START_REQUEST_FIELDS,
  CheckRequest: types.CHECK_REQUEST_FIELDS,
  SendResult: types.SEND_RESULT_FIELDS,
  CheckResult: types.CHECK_RESULT_FIELDS,
  CascadeStep: types.CASCADE_STEP_FIELDS,
  StatusResult: types.STATUS_RESULT_FIELDS,
  CancelResult: types.CANCEL_RESULT_FIELDS,
  ErrorBody: types.ERROR_BODY_FIELDS,
};

describe('onetime/client types agree with docs/openapi.yaml', () => {
  for (const [schema, fields] of Object.entries(SCHEMAS)) {
    it(`${schema}: the same members, the same required ones`, () => {
      expect(fields).toEqual(shape(`/components/schemas/${schema}`));
    });
  }

  it('the same enums', () => {
    expect(at('/components/schemas/Channel/enum')).toEqual([...types.CHANNELS]);
    expect(at('/components/schemas/Status/enum')).toEqual([...types.STATUSES]);
    expect(at('/components/schemas/Delivery/enum')).toEqual([...types.DELIVERY_STATES]);
    expect(at('/components/schemas/RateLimitReason/enum')).toEqual([...types.RATE_LIMIT_REASONS]);
    expect(at('/components/schemas/CascadeStep/properties/status/enum')).toEqual([...types.STEP_STATUSES]);
  });

  it('catches a drift (the comparison can fail)', () => {
    expect({ ...types.CANCEL_RESULT_FIELDS, extra: 'optional' }).not.toEqual(
      shape('/components/schemas/CancelResult'),
    );
    expect({ ...types.CANCEL_RESULT_FIELDS, id: 'optional' }).not.toEqual(
      shape('/components/schemas/CancelResult'),
    );
  });
});
