import {
  addressRefusal,
  classifyAddress,
  EgressGuard,
  EgressRefusedError,
  EgressSettings,
  hasUrlCredentials,
  hostRefusal,
  hubDatabaseFromUrl,
  redactUrlCredentials,
  urlCredentialPaths,
} from './egress-policy';

const DEFAULT: EgressSettings = { allowPrivate: false };
const PRIVATE_ON: EgressSettings = { allowPrivate: true };

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['2400:3200::1', 'public'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.10', 'private'],
    ['fd12:3456::1', 'private'],
    ['100.64.0.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['169.254.0.23', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('addressRefusal: the policy for one resolved address', () => {
  const hub = { host: '10.0.0.5', port: 5432, database: 'credithub' };
  it.each<[string, string, number, string | undefined, EgressSettings, string | undefined]>([
    ['public address', '8.8.8.8', 443, undefined, DEFAULT, undefined],
    ['RFC 1918 by default (intranet suppliers)', '192.168.3.4', 443, undefined, DEFAULT, undefined],
    ['loopback by default', '127.0.0.1', 8080, undefined, DEFAULT, 'LOOPBACK'],
    ['loopback with private targets allowed', '127.0.0.1', 8080, undefined, PRIVATE_ON, undefined],
    ['link-local by default', '169.254.10.10', 80, undefined, DEFAULT, 'LINK_LOCAL'],
    ['IPv6 link-local by default', 'fe80::abcd', 80, undefined, DEFAULT, 'LINK_LOCAL'],
    ['link-local with private targets allowed', '169.254.10.10', 80, undefined, PRIVATE_ON, undefined],
    ['metadata even with private targets allowed', '169.254.169.254', 80, undefined, PRIVATE_ON, 'METADATA'],
    ['unspecified even with private targets allowed', '0.0.0.0', 80, undefined, PRIVATE_ON, 'UNSPECIFIED'],
    ['the hub database by address and port', '10.0.0.5', 5432, undefined, { allowPrivate: true, hubDatabase: hub }, 'HUB_DATABASE'],
    ['the hub database by name', '10.0.0.5', 5432, 'credithub', { allowPrivate: true, hubDatabase: hub }, 'HUB_DATABASE'],
    ['another database on the same server', '10.0.0.5', 5432, 'supplier_db', { allowPrivate: true, hubDatabase: hub }, undefined],
    ['the same host on another port', '10.0.0.5', 5433, undefined, { allowPrivate: true, hubDatabase: hub }, undefined],
  ])('%s', (_name, address, port, database, settings, expected) => {
    const hubAddresses = new Set(settings.hubDatabase ? [settings.hubDatabase.host] : []);
    expect(addressRefusal(address, { host: address, port, database }, settings, hubAddresses)?.reason).toBe(expected);
  });
});

describe('credentials in URLs', () => {
  it.each([
    ['https://user:pass@supplier.example.gov.cn/api', true],
    ['https://user@supplier.example.gov.cn/api', true],
    ['http://:secret@10.0.0.1', true],
    ['https://supplier.example.gov.cn/api?user=a@b', false],
    ['https://supplier.example.gov.cn/a@b', false],
    ['not a url user:pass@host', false],
    ['penalty@2024', false],
  ])('%s → %s', (value, expected) => {
    expect(hasUrlCredentials(value)).toBe(expected);
  });

  it('names every config path holding one, nested ones included', () => {
    expect(urlCredentialPaths({ baseUrl: 'https://a:b@h', callback: { url: 'http://u@h/cb' }, path: '/x', list: ['ftp://c:d@h'] })).toEqual([
      'baseUrl',
      'callback.url',
      'list.0',
    ]);
  });

  it('redacts user info from text', () => {
    expect(redactUrlCredentials('GET https://user:s3cret@h.example/x failed; see http://h2/y')).toBe('GET https://***@h.example/x failed; see http://h2/y');
  });
});

describe('hostRefusal: the shape of a configured host', () => {
  it.each([
    ['supplier-db.internal', undefined],
    ['10.0.0.1', undefined],
    ['::1', undefined],
    ['[::1]', undefined],
    ['/tmp/credit-hub-abc', 'LOCAL_SOCKET'],
    ['user:pass@db.example', 'URL_CREDENTIALS'],
    ['db example', 'INVALID_HOST'],
    ['db.example/x', 'INVALID_HOST'],
  ])('%s → %s', (host, expected) => {
    expect(hostRefusal(host)?.reason).toBe(expected);
  });
});

describe('hubDatabaseFromUrl', () => {
  it.each([
    ['postgres://postgres@127.0.0.1:5432/hub_e2e', { host: '127.0.0.1', port: 5432, database: 'hub_e2e' }],
    ['postgresql://u:p@db/credit', { host: 'db', port: 5432, database: 'credit' }],
    ['postgres://u@[::1]:6543/x', { host: '::1', port: 6543, database: 'x' }],
    ['postgres:///credit?host=/run/postgresql', undefined],
  ])('%s', (url, expected) => {
    expect(hubDatabaseFromUrl(url)).toEqual(expected);
  });
});

describe('EgressGuard: resolve, check every address, connect to a checked one', () => {
  const dns: Record<string, string[]> = {
    'supplier.example': ['121.40.0.10'],
    'intranet.example': ['10.2.3.4'],
    'rebind.example': ['121.40.0.10', '127.0.0.1'],
    'metadata.example': ['169.254.169.254'],
    'hubdb.example': ['10.0.0.5'],
  };
  const resolve = (host: string) => (dns[host] ? Promise.resolve(dns[host]) : Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' })));
  const guard = (settings: EgressSettings, locals: string[] = []) => new EgressGuard(settings, resolve, () => locals);

  it('hands back the checked addresses of an allowed name', async () => {
    await expect(guard(DEFAULT).resolveTarget({ host: 'supplier.example', port: 443 })).resolves.toEqual(['121.40.0.10']);
    await expect(guard(DEFAULT).resolveTarget({ host: 'intranet.example', port: 443 })).resolves.toEqual(['10.2.3.4']);
  });

  it('refuses a name when any of its addresses is refused (DNS rebinding)', async () => {
    await expect(guard(DEFAULT).resolveTarget({ host: 'rebind.example', port: 443 })).rejects.toMatchObject({ reason: 'LOOPBACK' });
  });

  it('refuses a name resolving to a metadata address, whatever the setting', async () => {
    await expect(guard(PRIVATE_ON).resolveTarget({ host: 'metadata.example', port: 80 })).rejects.toBeInstanceOf(EgressRefusedError);
  });

  it('refuses the hub database reached by another name', async () => {
    const g = guard({ allowPrivate: true, hubDatabase: { host: '10.0.0.5', port: 5432, database: 'hub' } });
    await expect(g.resolveTarget({ host: 'hubdb.example', port: 5432, database: 'hub' })).rejects.toMatchObject({ reason: 'HUB_DATABASE' });
  });

  it('refuses a machine address when the hub database listens on loopback', async () => {
    const g = guard({ allowPrivate: true, hubDatabase: { host: '127.0.0.1', port: 5432, database: 'hub' } }, ['192.168.7.7', '127.0.0.1']);
    await expect(g.resolveTarget({ host: '192.168.7.7', port: 5432, database: 'hub' })).rejects.toMatchObject({ reason: 'HUB_DATABASE' });
    await expect(g.resolveTarget({ host: '192.168.7.7', port: 5432, database: 'supplier' })).resolves.toEqual(['192.168.7.7']);
  });

  it('does not refuse at registration a name that does not resolve today', async () => {
    await expect(guard(DEFAULT).refusal({ host: 'unknown.example', port: 443 })).resolves.toBeUndefined();
    await expect(guard(DEFAULT).refusal({ host: '127.0.0.1', port: 443 })).resolves.toMatchObject({ reason: 'LOOPBACK' });
  });

  it('gives sockets only checked addresses through its lookup', async () => {
    const lookup = guard(DEFAULT).lookupFor(443);
    const call = (host: string, all: boolean) =>
      new Promise((resolve, reject) =>
        lookup(host, { all }, (error: Error | null, address: unknown) => (error ? reject(error) : resolve(address))),
      );
    await expect(call('supplier.example', true)).resolves.toEqual([{ address: '121.40.0.10', family: 4 }]);
    await expect(call('supplier.example', false)).resolves.toBe('121.40.0.10');
    await expect(call('rebind.example', true)).rejects.toMatchObject({ code: 'EGRESS_REFUSED', reason: 'LOOPBACK' });
  });
});
