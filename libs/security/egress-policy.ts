import ipaddr from 'ipaddr.js';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { networkInterfaces } from 'node:os';
import { Agent as UndiciAgent, buildConnector, fetch as undiciFetch } from 'undici';

/**
 * Egress policy (issue 11, finding 10; OWASP API7 SSRF): where the hub may connect on an
 * operator's or a supplier's say-so — connector targets and the notification webhook.
 *
 * - Credentials live in secret fields only: a URL with user info is refused wherever it appears.
 * - Never a target, whatever the setting: the cloud metadata services, unspecified (0.0.0.0, ::),
 *   multicast and broadcast addresses, local sockets (a path as host: the embedded database
 *   listens on one) and the hub's own database (its address and port, and the same database name
 *   when the target names one).
 * - Refused unless `allowPrivate` (HUB_EGRESS_ALLOW_PRIVATE=on): loopback, link-local
 *   (169.254/16, fe80::/10) and reserved ranges — the hub's own machine and its neighbourhood.
 * - Allowed by default: public addresses and the private ranges (10/8, 172.16/12, 192.168/16,
 *   fc00::/7, 100.64/10): a government intranet's suppliers live there.
 *
 * A name is resolved, every address it resolves to is checked, and the connection goes to a
 * checked address (a lookup hook or the address itself), so a name that answers differently the
 * second time (DNS rebinding) cannot slip past the check.
 */

export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'reserved';

export type EgressRefusalReason =
  | 'URL_CREDENTIALS'
  | 'INVALID_HOST'
  | 'LOOPBACK'
  | 'LINK_LOCAL'
  | 'METADATA'
  | 'UNSPECIFIED'
  | 'MULTICAST'
  | 'RESERVED'
  | 'LOCAL_SOCKET'
  | 'HUB_DATABASE';

export interface EgressRefusal {
  readonly reason: EgressRefusalReason;
  /** Chinese, for the operator; never holds a credential. */
  readonly message: string;
}

/** The hub's own database as DATABASE_URL names it (services mode); the embedded one only listens on a local socket. */
export interface HubDatabaseAddress {
  readonly host: string;
  readonly port: number;
  readonly database: string;
}

export interface EgressSettings {
  readonly allowPrivate: boolean;
  readonly hubDatabase?: HubDatabaseAddress;
}

/** One place the hub is asked to connect to. `database`: the database name a db-poll target opens. */
export interface EgressTarget {
  readonly host: string;
  readonly port: number;
  readonly database?: string;
}

export class EgressRefusedError extends Error {
  readonly code = 'EGRESS_REFUSED';
  constructor(
    readonly reason: EgressRefusalReason,
    message: string,
  ) {
    super(message);
  }
}

/** Cloud metadata services: AWS/GCP/Azure/OpenStack/Huawei, AWS ECS and IPv6, Tencent Cloud, Alibaba Cloud, Oracle Cloud. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', '169.254.0.23', '100.100.100.200', '192.0.0.192', 'fd00:ec2::254']);

/** Classes one IP address; IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4) are classed by that address. */
export function classifyAddress(text: string): AddressClass {
  const address = embeddedIpv4(ipaddr.parse(stripBrackets(text).replace(/%.*$/, '')));
  if (METADATA_ADDRESSES.has(address.toString())) return 'metadata';
  const range = address.range();
  switch (range) {
    case 'unicast':
      return 'public';
    case 'private':
    case 'uniqueLocal':
    case 'carrierGradeNat':
      return 'private';
    case 'loopback':
      return 'loopback';
    case 'linkLocal':
      return 'link-local';
    case 'unspecified':
      return 'unspecified';
    case 'multicast':
    case 'broadcast':
      return 'multicast';
    default:
      return 'reserved';
  }
}

function embeddedIpv4(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === 'ipv4') return address;
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  const range = v6.range();
  const bytes = v6.toByteArray();
  if (range === 'rfc6052' || range === 'rfc6145') return ipaddr.fromByteArray(bytes.slice(12)) as ipaddr.IPv4;
  if (range === '6to4') return ipaddr.fromByteArray(bytes.slice(2, 6)) as ipaddr.IPv4;
  return v6;
}

const CLASS_REFUSAL: Record<Exclude<AddressClass, 'public' | 'private'>, { reason: EgressRefusalReason; always: boolean; what: string }> = {
  metadata: { reason: 'METADATA', always: true, what: '云平台元数据服务地址' },
  unspecified: { reason: 'UNSPECIFIED', always: true, what: '未指定地址（0.0.0.0 或 ::）' },
  multicast: { reason: 'MULTICAST', always: true, what: '组播或广播地址' },
  loopback: { reason: 'LOOPBACK', always: false, what: '本机回环地址' },
  'link-local': { reason: 'LINK_LOCAL', always: false, what: '链路本地地址（169.254.0.0/16、fe80::/10）' },
  reserved: { reason: 'RESERVED', always: false, what: '保留地址段' },
};

const ALLOW_HINT = '；如确需连接本机或内网保留地址，由运维人员设置 HUB_EGRESS_ALLOW_PRIVATE=on';

/** The policy for one resolved address of a target; undefined: allowed. Pure: `hubAddresses` are the hub database's resolved addresses. */
export function addressRefusal(address: string, target: EgressTarget, settings: EgressSettings, hubAddresses: ReadonlySet<string> = new Set()): EgressRefusal | undefined {
  const normalized = normalizeAddress(address);
  const hub = settings.hubDatabase;
  if (hub && target.port === hub.port && hubAddresses.has(normalized) && (target.database === undefined || target.database === hub.database)) {
    return { reason: 'HUB_DATABASE', message: `目标 ${target.host}:${target.port} 是本平台自己的数据库，任何设置下都不能作为连接器或通知的目标` };
  }
  const addressClass = classifyAddress(normalized);
  if (addressClass === 'public' || addressClass === 'private') return undefined;
  const rule = CLASS_REFUSAL[addressClass];
  if (!rule.always && settings.allowPrivate) return undefined;
  const shown = target.host === normalized ? normalized : `${target.host}（解析为 ${normalized}）`;
  return { reason: rule.reason, message: `目标 ${shown} 是${rule.what}，不允许作为连接器或通知的目标${rule.always ? '' : ALLOW_HINT}` };
}

/** A URL that carries `user:password@`: credentials belong in the secret fields, never in an address. */
export function hasUrlCredentials(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value.trim())) return false;
  try {
    const url = new URL(value.trim());
    return url.username !== '' || url.password !== '';
  } catch {
    // Not parseable, but user info before the host still shows: scheme://…@host
    return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/.test(value.trim());
  }
}

/** Every string in a config (nested objects and arrays) that is a URL with user info, by its path. */
export function urlCredentialPaths(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'string') return hasUrlCredentials(value) ? [path.join('.')] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => urlCredentialPaths(v, [...path, String(i)]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => urlCredentialPaths(v, [...path, k]));
  return [];
}

export const URL_CREDENTIALS_MESSAGE = '地址中不能包含用户名或口令（user:password@），口令请填写在专门的保密字段中';

/** Replaces the user info of every URL in a text (`https://u:p@h` → `https://***@h`): for stored configs, errors and logs. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/g, '$1***@');
}

/** A host as a connector config names it: a DNS name or an IP literal; a path (local socket) or anything with user info is refused. */
export function hostRefusal(host: string): EgressRefusal | undefined {
  const h = host.trim();
  if (h.startsWith('/') || h.startsWith('@')) {
    return { reason: 'LOCAL_SOCKET', message: '目标不能是本机套接字路径（本平台的内嵌数据库即在本机套接字上监听）' };
  }
  if (h.includes('@')) return { reason: 'URL_CREDENTIALS', message: URL_CREDENTIALS_MESSAGE };
  if (isIP(stripBrackets(h))) return undefined;
  if (!/^(?=.{1,253}$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/.test(h)) {
    return { reason: 'INVALID_HOST', message: '不是有效的主机名或 IP 地址' };
  }
  return undefined;
}

/** The target of a URL (port from the scheme when absent). */
export function urlTarget(url: string): EgressTarget {
  const parsed = new URL(url);
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  return { host: stripBrackets(parsed.hostname), port };
}

/** The hub's database as DATABASE_URL names it; a socket path (`?host=/run/postgresql`) needs no entry: local sockets are refused anyway. */
export function hubDatabaseFromUrl(url: string | undefined): HubDatabaseAddress | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    const host = parsed.searchParams.get('host') ?? stripBrackets(parsed.hostname);
    if (!host || host.startsWith('/')) return undefined;
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres';
    return { host, port: parsed.port ? Number(parsed.port) : 5432, database };
  } catch {
    return undefined;
  }
}

export type Resolve = (host: string) => Promise<string[]>;

/** Every address the system resolver gives for a name (what the connection would otherwise pick from). */
export const systemResolve: Resolve = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) => (error ? reject(error) : resolve(addresses.map((a) => a.address)))),
  );

/**
 * The policy with a resolver: checks targets at registration, and gives connections the means to
 * connect only to checked addresses (a lookup for node's sockets, agents for axios, a dispatcher
 * and fetch for undici).
 */
export class EgressGuard {
  private hubAddresses: Promise<ReadonlySet<string>> | undefined;
  private readonly dispatchers = new Map<string, UndiciAgent>();

  constructor(
    readonly settings: EgressSettings,
    private readonly resolve: Resolve = systemResolve,
    private readonly localAddresses: () => string[] = machineAddresses,
  ) {}

  /** Every address of the target, all checked; throws EgressRefusedError when the host or any address is refused. */
  async resolveTarget(target: EgressTarget): Promise<string[]> {
    const host = stripBrackets(target.host.trim());
    const syntax = hostRefusal(host);
    if (syntax) throw new EgressRefusedError(syntax.reason, syntax.message);
    const addresses = isIP(host) ? [host] : await this.resolve(host);
    if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
    const hub = await this.hubDatabaseAddresses();
    for (const address of addresses) {
      const refusal = addressRefusal(address, { ...target, host }, this.settings, hub);
      if (refusal) throw new EgressRefusedError(refusal.reason, refusal.message);
    }
    return addresses;
  }

  /**
   * At registration: the refusal, if any; a name that does not resolve now is not refused (the
   * supplier may be unreachable today), since every connection is checked again.
   */
  async refusal(target: EgressTarget): Promise<EgressRefusal | undefined> {
    try {
      await this.resolveTarget(target);
      return undefined;
    } catch (e) {
      if (e instanceof EgressRefusedError) return { reason: e.reason, message: e.message };
      return undefined;
    }
  }

  /** For `net.connect` / `tls.connect` / `http.Agent`: resolves, checks every address, hands back only checked ones. */
  lookupFor(port: number): LookupFunction {
    return (hostname, options, callback) => {
      this.resolveTarget({ host: hostname, port }).then(
        (addresses) => {
          const family = options.family === 4 || options.family === 6 ? options.family : undefined;
          const entries = addresses.map((address) => ({ address, family: isIP(address) })).filter((a) => family === undefined || a.family === family);
          if (entries.length === 0) return callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: 'ENOTFOUND' }), '', 0);
          if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, entries);
          return callback(null, entries[0].address, entries[0].family);
        },
        (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
      );
    };
  }

  /** IP literals never reach a lookup hook (net connects to them directly), so they are checked here first. */
  async checkLiteral(target: EgressTarget): Promise<void> {
    const host = stripBrackets(target.host);
    if (isIP(host) || hostRefusal(host)) await this.resolveTarget({ ...target, host });
  }

  /** http.Agent / https.Agent for axios (node-soap) towards one URL's port: only checked addresses. */
  nodeAgents(url: string): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
    const lookup = this.lookupFor(urlTarget(url).port);
    return { httpAgent: new HttpAgent({ lookup }), httpsAgent: new HttpsAgent({ lookup }) };
  }

  /**
   * fetch that connects only to checked addresses (undici, the same client as Node's global fetch,
   * with a connector whose lookup is the policy's). Redirects stay the caller's business.
   */
  fetch(url: string, init: RequestInit): Promise<Response> {
    const target = urlTarget(url);
    return this.checkLiteral(target).then(() =>
      undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: this.dispatcher(target.port) }) as unknown as Promise<Response>,
    );
  }

  private dispatcher(port: number): UndiciAgent {
    const key = String(port);
    let agent = this.dispatchers.get(key);
    if (!agent) {
      agent = new UndiciAgent({ connect: buildConnector({ lookup: this.lookupFor(port) } as buildConnector.BuildOptions) });
      this.dispatchers.set(key, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    const agents = [...this.dispatchers.values()];
    this.dispatchers.clear();
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
  }

  private hubDatabaseAddresses(): Promise<ReadonlySet<string>> {
    const hub = this.settings.hubDatabase;
    if (!hub) return Promise.resolve(new Set());
    this.hubAddresses ??= (async () => {
      const host = stripBrackets(hub.host);
      const addresses = isIP(host) ? [host] : await this.resolve(host).catch(() => []);
      const set = new Set(addresses.map(normalizeAddress));
      // A database on a loopback or wildcard address is reachable through every address of this machine.
      if ([...set].some((a) => ['loopback', 'unspecified'].includes(classifyAddress(a)))) {
        for (const local of this.localAddresses()) set.add(normalizeAddress(local));
      }
      return set;
    })();
    return this.hubAddresses;
  }
}

/** The refusal inside an error as fetch, axios or a socket report it (the lookup's error travels as `cause`). */
export function egressRefusal(error: unknown): EgressRefusedError | undefined {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof EgressRefusedError) return e;
    if ((e as { code?: unknown }).code === 'EGRESS_REFUSED' && typeof (e as { message?: unknown }).message === 'string') {
      return new EgressRefusedError(((e as { reason?: EgressRefusalReason }).reason ?? 'RESERVED'), (e as { message: string }).message);
    }
  }
  return undefined;
}

/** An allow-everything-private guard for tests and tools that talk to services on loopback. */
export function permissiveEgressGuard(hubDatabase?: HubDatabaseAddress): EgressGuard {
  return new EgressGuard({ allowPrivate: true, hubDatabase });
}

function machineAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => i.address.replace(/%.*$/, ''));
}

function normalizeAddress(address: string): string {
  const parsed = ipaddr.parse(stripBrackets(address).replace(/%.*$/, ''));
  return embeddedIpv4(parsed).toString();
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
