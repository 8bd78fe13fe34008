import { describe, expect, it } from 'vitest';
import { ApiError, apiErrorOf } from '../../src/domain/api-error.js';

describe('apiErrorOf', () => {
  it('takes the code and message of the API error shape', () => {
    const error = apiErrorOf(503, JSON.stringify({ error: { code: 'SYSTEM_HALTED', message: 'the system is halted', requestId: 'r1' } }));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ name: 'ApiError', status: 503, code: 'SYSTEM_HALTED', message: 'the system is halted' });
  });

  it('falls back to HTTP_<status> and the start of the body for anything else', () => {
    const page = `<html>${'x'.repeat(300)}</html>`;
    expect(apiErrorOf(502, page)).toMatchObject({ status: 502, code: 'HTTP_502', message: page.slice(0, 200) });
    expect(apiErrorOf(500, 'null')).toMatchObject({ code: 'HTTP_500', message: 'null' });
    expect(apiErrorOf(404, '{"error":{"code":7,"message":["no"]}}')).toMatchObject({ code: 'HTTP_404', message: '{"error":{"code":7,"message":["no"]}}' });
    expect(apiErrorOf(429, '')).toMatchObject({ code: 'HTTP_429', message: '' });
  });
});
