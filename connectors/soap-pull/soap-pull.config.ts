import { z } from 'zod';

const secret = (description: string) => z.string().min(1).max(2000).meta({ writeOnly: true, description });
/** An XML NCName: operations and parameters are element names of the supplier's WSDL, nothing else. */
const xmlName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/, 'an XML element name')
  .refine((name) => !name.endsWith('Async'), 'not a name ending in "Async" (node-soap adds that suffix itself)');
const dotPath = z.string().max(300).regex(/^$|^[A-Za-z_][A-Za-z0-9_.-]*$/, 'a dot path of element names, e.g. changes.change');

/**
 * The supplier's WSDL is stored with the config and the client is built from this text: it is
 * never fetched at run time (reliability anchors 2.4: createClient fetches imports over the
 * network, slowly, and a configurable URL would be an SSRF). So it must be self-contained.
 */
export const storedWsdl = z
  .string()
  .min(1)
  .max(5 * 1024 * 1024)
  .superRefine((text, ctx) => {
    for (const problem of wsdlProblems(text)) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ description: 'The supplier WSDL itself (XML text, types inline). Imports with a location and DOCTYPEs are refused.' });

export function wsdlProblems(text: string): string[] {
  const problems: string[] = [];
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (!head.startsWith('<')) problems.push('the WSDL must be the XML text itself, not a URL or a file name');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) problems.push('the WSDL must not contain a DOCTYPE or ENTITY declaration');
  if (/<(?:[A-Za-z_][\w.-]*:)?(?:import|include|redefine)\b[^>]*\b(?:schemaLocation|location)\s*=/i.test(text)) {
    problems.push('the WSDL must be self-contained: inline the schemas it imports (an import or include with a location would be fetched)');
  }
  if (!/<(?:[A-Za-z_][\w.-]*:)?definitions\b/.test(text)) problems.push('no <definitions> element: this is not a WSDL 1.1 document');
  return problems;
}

export const soapPullConfigSchema = z
  .strictObject({
    endpoint: z.url({ protocol: /^https?$/ }).meta({ description: 'Where requests are POSTed; the address inside the stored WSDL is ignored' }),
    wsdl: storedWsdl,
    operation: xmlName.meta({ description: 'The operation that returns changed records, e.g. GetPenaltyChanges' }),
    /** Fixed arguments sent with every call (e.g. an area code). Not secrets: they appear in logs. */
    arguments: z.record(xmlName, z.string().max(2000)).default({}),
    incremental: z.strictObject({
      parameter: xmlName.default('since'),
      /** Sent on the very first run, when there is no cursor yet (e.g. "0" or "2020-01-01T00:00:00+08:00"). */
      initialValue: z.string().max(200),
      /** The record field (dot path) whose greatest value becomes the next run's parameter: a change time or sequence. */
      field: dotPath.min(1),
      /** Ask again from the mark minus this window, for records the supplier commits late (timestamps only). */
      lookBackSeconds: z.int().min(0).max(7 * 24 * 3600).default(0),
    }),
    paging: z
      .strictObject({
        pageParameter: xmlName.default('page'),
        firstPage: z.int().min(0).default(1),
        /** Omit when the operation takes no page size; pageSize then only detects the last (short) page. */
        pageSizeParameter: xmlName.optional(),
        pageSize: z.int().min(1).max(10_000).default(100),
        /** A page with fewer than pageSize records is the last one; false: the run ends on an empty page. */
        stopOnShortPage: z.boolean().default(true),
        /** Guard against a supplier that ignores the page parameter and answers the same page forever. */
        maxPages: z.int().min(1).max(1_000_000).default(10_000),
      })
      .prefault({}),
    /** Dot path of the record list inside the operation's response, e.g. "changes.change". */
    recordsPath: dotPath.min(1),
    /** WS-Security UsernameToken; both or neither. */
    username: secret('WS-Security UsernameToken username').optional(),
    password: secret('WS-Security UsernameToken password').optional(),
    passwordType: z.enum(['PasswordText', 'PasswordDigest']).default('PasswordText'),
    /** Whole request, body included: a supplier that hangs or trickles ends here. */
    timeoutMs: z.int().min(100).max(600_000).default(30_000),
    /** Cap on one response after decompression. */
    maxResponseBytes: z.int().min(1024).max(1024 ** 3).default(50 * 1024 ** 2),
    /** A cheap operation check() calls (e.g. Ping); without it check() only builds the client from the WSDL. */
    checkOperation: z.strictObject({ name: xmlName, arguments: z.record(xmlName, z.string().max(2000)).default({}) }).optional(),
    /**
     * A supplier operation that takes a batch's rejections (batchId, label, received, loaded,
     * rejected, rejections/rejection[index, sourceKey, field, code, value, message, hint]).
     * Without it the supplier reads them with the hub's GetBatchReport.
     */
    feedbackOperation: xmlName.optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.username === undefined) !== (c.password === undefined)) {
      ctx.addIssue({ code: 'custom', path: [c.username === undefined ? 'username' : 'password'], message: 'WS-Security needs both username and password' });
    }
    const reserved = [c.incremental.parameter, c.paging.pageParameter, c.paging.pageSizeParameter].filter((p) => p !== undefined);
    for (const name of Object.keys(c.arguments)) {
      if (reserved.includes(name)) ctx.addIssue({ code: 'custom', path: ['arguments', name], message: 'already set by incremental or paging' });
    }
    if (new Set(reserved).size !== reserved.length) ctx.addIssue({ code: 'custom', path: ['paging'], message: 'the incremental, page and page-size parameters must differ' });
  });

export type SoapPullConfig = z.infer<typeof soapPullConfigSchema>;
