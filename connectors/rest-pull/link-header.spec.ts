import { findLink, parseLinkHeader } from './link-header';

const base = 'https://api.example.gov.cn/v1/records?page=2';

describe('parseLinkHeader (RFC 8288)', () => {
  it('reads the GitHub-style header', () => {
    const header = '<https://api.example.gov.cn/v1/records?page=3&per_page=100>; rel="next", <https://api.example.gov.cn/v1/records?page=50&per_page=100>; rel="last"';
    expect(parseLinkHeader(header)).toEqual([
      { target: 'https://api.example.gov.cn/v1/records?page=3&per_page=100', params: { rel: 'next' } },
      { target: 'https://api.example.gov.cn/v1/records?page=50&per_page=100', params: { rel: 'last' } },
    ]);
  });

  it('keeps commas and semicolons inside the URI and inside quoted parameters', () => {
    const header = '<https://x.cn/r?ids=1,2;3>; title="a, b; c"; rel=next, </r?p=1>; rel="first"';
    expect(parseLinkHeader(header)).toEqual([
      { target: 'https://x.cn/r?ids=1,2;3', params: { title: 'a, b; c', rel: 'next' } },
      { target: '/r?p=1', params: { rel: 'first' } },
    ]);
  });

  it('counts only the first occurrence of a parameter and lower-cases names', () => {
    expect(parseLinkHeader('<a>; REL="next"; rel="prev"')).toEqual([{ target: 'a', params: { rel: 'next' } }]);
  });

  it('skips malformed members instead of guessing', () => {
    expect(parseLinkHeader('garbage, <https://x.cn/2>; rel="next"')).toEqual([{ target: 'https://x.cn/2', params: { rel: 'next' } }]);
    expect(parseLinkHeader('<https://x.cn/unterminated; rel="next"')).toEqual([]);
    expect(parseLinkHeader('')).toEqual([]);
    expect(parseLinkHeader(null)).toEqual([]);
  });
});

describe('findLink', () => {
  it('finds rel="next" among several relation types and resolves it against the request URL', () => {
    expect(findLink('</v1/records?page=3>; rel="next last"', 'next', base)).toBe('https://api.example.gov.cn/v1/records?page=3');
    expect(findLink('<?page=3>; rel=NEXT', 'next', base)).toBe('https://api.example.gov.cn/v1/records?page=3');
  });

  it('returns undefined on the last page', () => {
    expect(findLink('<https://x.cn/1>; rel="first", <https://x.cn/9>; rel="prev"', 'next', base)).toBeUndefined();
    expect(findLink(undefined, 'next', base)).toBeUndefined();
  });
});
