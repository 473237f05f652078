import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { JsonLog } from '../../functions/adapters/json-log.ts';

describe('the hot-path logger writes what Powertools Logger writes', () => {
  it('uses the same keys for level, message, timestamp, service and request ids', () => {
    const lines: string[] = [];
    const lean = new JsonLog('onetime', (line) => lines.push(line));
    lean.beginRequest({ requestId: 'req-1', correlationId: 'corr-1' });
    lean.info('verification approved', { verificationId: 'v1' });

    const written = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const powertools = new Logger({ serviceName: 'onetime' });
    powertools.appendKeys({ function_request_id: 'req-1', correlationId: 'corr-1' });
    powertools.info('verification approved', { verificationId: 'v1' });
    const powertoolsLine = JSON.parse(String(written.mock.calls.at(-1)?.[0]));
    written.mockRestore();

    const leanLine = JSON.parse(lines[0]!);
    for (const key of [
      'level',
      'message',
      'service',
      'function_request_id',
      'correlationId',
      'verificationId',
    ]) {
      expect(leanLine[key], key).toEqual(powertoolsLine[key]);
    }
    expect(Date.parse(leanLine.timestamp)).not.toBeNaN();
    expect(Object.keys(powertoolsLine)).toEqual(expect.arrayContaining(Object.keys(leanLine)));
  });

  it('drops the previous request ids when a new request begins', () => {
    const lines: string[] = [];
    const log = new JsonLog('onetime', (line) => lines.push(line));
    log.beginRequest({ requestId: 'a', correlationId: 'first' });
    log.beginRequest({ requestId: 'b' });
    log.warn('wrong code');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'WARN', function_request_id: 'b' });
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('correlationId');
  });
});
