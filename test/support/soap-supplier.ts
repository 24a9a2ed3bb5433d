/**
 * A supplier's SOAP service for the soap-pull connector tests: node-soap's `soap.listen` on a
 * loopback port, with its own document/literal WSDL exposing
 * - GetPenaltyChanges(since, page, pageSize): the penalty decisions whose `seq` is greater than
 *   `since`, in `seq` order, one page at a time (seq values above 2^53, to catch rounding);
 * - Ping(): a cheap operation for check();
 * - ReportRejections(batchId, …): where the hub may push a batch's rejections.
 * It can be told to answer its next GetPenaltyChanges calls with a soap:Server or soap:Client
 * fault, an HTML 502, invalid XML, nothing at all (hang) or a body that trickles forever,
 * and it counts the requests for its WSDL (`?wsdl`), which a connector must never make.
 */
import express, { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import * as soap from 'soap';

export const SUPPLIER_NS = 'urn:example:penalty-supplier:v2';

/** The supplier's WSDL; its address is `address` (the connector must post to its configured endpoint instead). */
export function supplierWsdl(address = 'http://127.0.0.1:9/not-this-address'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
             xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${SUPPLIER_NS}"
             name="PenaltySupplier" targetNamespace="${SUPPLIER_NS}">
  <types>
    <xsd:schema targetNamespace="${SUPPLIER_NS}" elementFormDefault="qualified">
      <xsd:complexType name="PenaltyChange">
        <xsd:sequence>
          <xsd:element name="seq" type="xsd:long"/>
          <xsd:element name="changedAt" type="xsd:dateTime"/>
          <xsd:element name="decisionNo" type="xsd:string"/>
          <xsd:element name="subjectName" type="xsd:string"/>
          <xsd:element name="fineAmount" type="xsd:decimal" minOccurs="0"/>
          <xsd:element name="category" type="xsd:string" minOccurs="0" maxOccurs="unbounded"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:complexType name="ChangeList">
        <xsd:sequence><xsd:element name="change" type="tns:PenaltyChange" minOccurs="0" maxOccurs="unbounded"/></xsd:sequence>
      </xsd:complexType>
      <xsd:complexType name="Rejection">
        <xsd:sequence>
          <xsd:element name="index" type="xsd:int"/>
          <xsd:element name="sourceKey" type="xsd:string" minOccurs="0"/>
          <xsd:element name="field" type="xsd:string"/>
          <xsd:element name="code" type="xsd:string"/>
          <xsd:element name="value" type="xsd:string" minOccurs="0"/>
          <xsd:element name="message" type="xsd:string"/>
          <xsd:element name="hint" type="xsd:string"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:complexType name="RejectionList">
        <xsd:sequence><xsd:element name="rejection" type="tns:Rejection" minOccurs="0" maxOccurs="unbounded"/></xsd:sequence>
      </xsd:complexType>
      <xsd:element name="GetPenaltyChanges">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="since" type="xsd:string"/>
          <xsd:element name="page" type="xsd:int"/>
          <xsd:element name="pageSize" type="xsd:int" minOccurs="0"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="GetPenaltyChangesResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="total" type="xsd:int"/>
          <xsd:element name="changes" type="tns:ChangeList" minOccurs="0"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="Ping"><xsd:complexType><xsd:sequence/></xsd:complexType></xsd:element>
      <xsd:element name="PingResponse">
        <xsd:complexType><xsd:sequence><xsd:element name="ok" type="xsd:boolean"/></xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="ReportRejections">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="batchId" type="xsd:string"/>
          <xsd:element name="label" type="xsd:string"/>
          <xsd:element name="received" type="xsd:int"/>
          <xsd:element name="loaded" type="xsd:int"/>
          <xsd:element name="rejected" type="xsd:int"/>
          <xsd:element name="rejections" type="tns:RejectionList"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="ReportRejectionsResponse">
        <xsd:complexType><xsd:sequence><xsd:element name="accepted" type="xsd:boolean"/></xsd:sequence></xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </types>
  <message name="GetPenaltyChangesIn"><part name="parameters" element="tns:GetPenaltyChanges"/></message>
  <message name="GetPenaltyChangesOut"><part name="parameters" element="tns:GetPenaltyChangesResponse"/></message>
  <message name="PingIn"><part name="parameters" element="tns:Ping"/></message>
  <message name="PingOut"><part name="parameters" element="tns:PingResponse"/></message>
  <message name="ReportRejectionsIn"><part name="parameters" element="tns:ReportRejections"/></message>
  <message name="ReportRejectionsOut"><part name="parameters" element="tns:ReportRejectionsResponse"/></message>
  <portType name="PenaltyPortType">
    <operation name="GetPenaltyChanges"><input message="tns:GetPenaltyChangesIn"/><output message="tns:GetPenaltyChangesOut"/></operation>
    <operation name="Ping"><input message="tns:PingIn"/><output message="tns:PingOut"/></operation>
    <operation name="ReportRejections"><input message="tns:ReportRejectionsIn"/><output message="tns:ReportRejectionsOut"/></operation>
  </portType>
  <binding name="PenaltyBinding" type="tns:PenaltyPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="GetPenaltyChanges"><soap:operation soapAction="${SUPPLIER_NS}#GetPenaltyChanges"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
    <operation name="Ping"><soap:operation soapAction="${SUPPLIER_NS}#Ping"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
    <operation name="ReportRejections"><soap:operation soapAction="${SUPPLIER_NS}#ReportRejections"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="PenaltyService">
    <port name="PenaltyPort" binding="tns:PenaltyBinding"><soap:address location="${address}"/></port>
  </service>
</definitions>`;
}

export interface PenaltyChange {
  readonly seq: string;
  readonly changedAt: string;
  readonly decisionNo: string;
  readonly subjectName: string;
  readonly fineAmount?: string;
  readonly category: readonly string[];
}

export type SupplierMode = 'ok' | 'server-fault' | 'client-fault' | 'html-502' | 'invalid-xml' | 'hang' | 'trickle';

export interface SupplierCall {
  readonly operation: string;
  readonly args: Record<string, unknown>;
  readonly username: string | undefined;
}

export interface SoapSupplier {
  /** Where the service answers (POST); the connector's configured endpoint. */
  readonly endpoint: string;
  readonly wsdl: string;
  /** GET …?wsdl requests received. */
  wsdlRequests(): number;
  /** Every operation node-soap dispatched, in order. */
  readonly calls: SupplierCall[];
  /** The changes the service pages through; tests may push more between runs. */
  readonly changes: PenaltyChange[];
  /** The next GetPenaltyChanges requests are answered like this, one mode each, then normally again. */
  respondWith(...modes: SupplierMode[]): void;
  close(): Promise<void>;
}

/** seq values above 2^53: a client that turns xsd:long into a JS number rounds them. */
export const SEQ_BASE = 9_007_199_254_740_990n;

export function penaltyChanges(count: number, from = 1): PenaltyChange[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return {
      seq: String(SEQ_BASE + BigInt(n)),
      changedAt: `2025-03-${String(1 + (n % 28)).padStart(2, '0')}T09:30:00.123456+08:00`,
      decisionNo: `厦市监罚〔2025〕${n}号`,
      subjectName: `厦门测试商贸有限公司${n}`,
      fineAmount: `${1000 + n}.50`,
      category: n % 2 === 0 ? ['警告', '罚款'] : ['罚款'],
    };
  });
}

type ModalRequest = Request & { supplierMode?: SupplierMode };

export async function startSoapSupplier(options: { username?: string; password?: string; changes?: PenaltyChange[] } = {}): Promise<SoapSupplier> {
  const app = express();
  const calls: SupplierCall[] = [];
  const changes = [...(options.changes ?? [])];
  const queue: SupplierMode[] = [];
  const sockets = new Set<Socket>();
  let wsdlRequests = 0;

  app.use((req: ModalRequest, res: Response, next: NextFunction) => {
    if (req.method === 'GET' && /[?&]wsdl/i.test(req.url)) wsdlRequests++;
    if (req.method !== 'POST' || !/GetPenaltyChanges/.test(String(req.headers.soapaction ?? ''))) return next();
    const mode = queue.shift() ?? 'ok';
    switch (mode) {
      case 'html-502':
        res.status(502).type('text/html').send('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>');
        return;
      case 'invalid-xml':
        res.status(200).type('text/xml').send('<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetPenaltyChangesResponse>');
        return;
      case 'hang':
        req.resume(); // reads the request, never answers
        return;
      case 'trickle': {
        res.status(200).type('text/xml');
        res.write('<?xml version="1.0"?>');
        const timer = setInterval(() => res.write(' '), 100);
        res.once('close', () => clearInterval(timer));
        return;
      }
      case 'server-fault':
      case 'client-fault':
        req.supplierMode = mode;
        return next();
      case 'ok':
        return next();
    }
  });

  const usernameOf = (headers: unknown): string | undefined => {
    const name = (headers as { Security?: { UsernameToken?: { Username?: unknown } } } | undefined)?.Security?.UsernameToken?.Username;
    return typeof name === 'string' ? name : undefined;
  };

  const services: soap.IServices = {
    PenaltyService: {
      PenaltyPort: {
        GetPenaltyChanges: (args: Record<string, unknown>, _cb: unknown, headers: unknown, req: ModalRequest) => {
          calls.push({ operation: 'GetPenaltyChanges', args, username: usernameOf(headers) });
          if (req.supplierMode === 'server-fault') {
            throw { Fault: { faultcode: 'soap:Server', faultstring: '数据库连接超时 (ORA-12170)', statusCode: 500 } };
          }
          if (req.supplierMode === 'client-fault') {
            throw { Fault: { faultcode: 'soap:Client', faultstring: '参数 since 格式错误', statusCode: 500 } };
          }
          const since = BigInt(String(args.since ?? '0'));
          const page = Number(args.page ?? 1);
          const size = Number(args.pageSize ?? 100);
          const newer = changes.filter((c) => BigInt(c.seq) > since).sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
          const slice = newer.slice((page - 1) * size, page * size);
          return { total: newer.length, changes: slice.length > 0 ? { change: slice.map((c) => ({ ...c, category: [...c.category] })) } : undefined };
        },
        Ping: (args: Record<string, unknown>, _cb: unknown, headers: unknown) => {
          calls.push({ operation: 'Ping', args, username: usernameOf(headers) });
          return { ok: true };
        },
        ReportRejections: (args: Record<string, unknown>, _cb: unknown, headers: unknown) => {
          calls.push({ operation: 'ReportRejections', args, username: usernameOf(headers) });
          return { accepted: true };
        },
      },
    },
  };

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = (server.address() as { port: number }).port;
  const endpoint = `http://127.0.0.1:${port}/penalty/v2`;
  const wsdl = supplierWsdl();

  const soapServer = await new Promise<soap.Server>((resolve, reject) => {
    soap.listen(app, {
      path: '/penalty/v2',
      services,
      xml: wsdl,
      callback: (err: unknown, s: soap.Server) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(s)),
    });
  });
  if (options.username !== undefined) {
    // node-soap's own check: a wrong token gets its generic SOAP-ENV:Client AuthenticationFailure fault with HTTP 401.
    soapServer.authenticate = (security: unknown) => {
      const token = (security as { UsernameToken?: { Username?: unknown; Password?: { $value?: unknown } | string } } | undefined)?.UsernameToken;
      const password = typeof token?.Password === 'object' ? token.Password.$value : token?.Password;
      return token?.Username === options.username && password === options.password;
    };
  }

  return {
    endpoint,
    wsdl,
    wsdlRequests: () => wsdlRequests,
    calls,
    changes,
    respondWith: (...modes) => void queue.push(...modes),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
