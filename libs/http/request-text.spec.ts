import { decodeStorable, findRequestTextProblem, findUnstorableBodyField, parameterAt } from './request-text';

/** Issue 11: a path, parameter or data header the hub cannot store is refused (400 INVALID_REQUEST) before any handler. */
describe('request text hygiene', () => {
  it.each([
    ['x%00', undefined],
    ['%ED%A0%80', undefined],
    ['%FF', undefined],
    ['%E0%A4%A', undefined],
    ['%1B', undefined],
    ['91350200MA2XXXXX7Q', '91350200MA2XXXXX7Q'],
    ['%E5%8E%A6%E9%97%A8', '厦门'],
    ['a%09b', 'a\tb'],
  ])('decodeStorable(%j) → %j', (raw, expected) => {
    expect(decodeStorable(raw)).toBe(expected);
  });

  it.each([
    ['/api/v1/subjects/x%00', { in: 'path', segment: 3 }],
    ['/api/v1/subjects/%ED%A0%80/report', { in: 'path', segment: 3 }],
    ['/api/v1/subjects/%FF', { in: 'path', segment: 3 }],
    ['/api/v1/admin/records?subject=%00', { in: 'query', field: 'subject' }],
    ['/api/v1/admin/records?a=1&%FF=2', { in: 'query', field: 'query' }],
    ['/api/v1/supplier/rejections?state=open%01', { in: 'query', field: 'state' }],
  ])('%s → %j', (target, problem) => {
    expect(findRequestTextProblem(target, {})).toEqual(problem);
  });

  it('accepts ordinary requests, Chinese and plus signs included', () => {
    expect(findRequestTextProblem('/api/v1/subjects/91350200MA2XXXXX7Q?format=pdf&name=%E5%8E%A6+%E9%97%A8', { 'x-query-purpose': 'LAW_ENFORCEMENT' })).toBeUndefined();
    expect(findRequestTextProblem('/', {})).toBeUndefined();
  });

  it('names a data header holding a control character', () => {
    expect(findRequestTextProblem('/api/v1/subjects/x', { 'x-query-purpose': 'a\u0001' })).toEqual({ in: 'header', field: 'X-Query-Purpose' });
  });

  it('names the JSON body field, array positions included', () => {
    expect(findUnstorableBodyField({ codes: ['91350200MA2XXXXX7Q', 'x\u0000'] })).toBe('codes.1');
    expect(findUnstorableBodyField({ codes: ['\ud800'] })).toBe('codes.0');
    expect(findUnstorableBodyField('a\u0000')).toBe('body');
    expect(findUnstorableBodyField({ codes: ['ok'] })).toBeUndefined();
    expect(findUnstorableBodyField(undefined)).toBeUndefined();
  });

  it('tells which route parameter a segment fills', () => {
    const segments = ['api', 'v1', 'subjects', 'x%00', 'report'];
    expect(parameterAt('/api/v1/subjects/:code/report', segments, 3)).toBe('code');
    expect(parameterAt('/api/v1/subjects/:code/lists', segments, 3)).toBeUndefined();
    expect(parameterAt('/api/v1/subjects/:code', segments, 3)).toBeUndefined();
    expect(parameterAt('/api/v1/reports/:reportNo/verification', ['api', 'v1', 'reports', '%FF', 'verification'], 3)).toBe('reportNo');
  });
});
