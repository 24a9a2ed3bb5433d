import type { Catalog } from '../../../catalog/catalog';
import { classifySubjectCode, maskIdentifier, maskPersonalIdsInText } from '../../domain/identity';
import { chinaCalendarDate } from '../../domain/identity/citizen-id';
import { SubjectQueryRepository } from '../../persistence/subject-query.repository';

export interface RecordView {
  readonly id: string;
  readonly item: string;
  readonly category: string;
  readonly disclosure: string;
  readonly status: string;
  readonly disputed: boolean;
  readonly publicationEnd: string | null;
  readonly fields: Record<string, unknown>;
  readonly supplier: string;
}

export interface SubjectView {
  readonly code: string;
  readonly kind: 'organization' | 'person';
  readonly name: string | null;
  readonly records: RecordView[];
}

export interface QueryCaller {
  readonly kind: 'public';
  readonly clientAddress: string | null;
}

export class QueryError extends Error {
  constructor(
    readonly code: 'SUBJECT_NOT_FOUND' | 'INVALID_SUBJECT_CODE',
    message: string,
  ) {
    super(message);
  }
}

/**
 * 第十六条: the public view of a subject. Public items within their publication period that are
 * not repaired, archived, withheld or non-disclosed; personal identifiers inside records masked.
 * Every call, refused ones included, is written to the query log before anything is answered.
 */
export class SubjectQueryService {
  constructor(
    private readonly repository: SubjectQueryRepository,
    private readonly catalog: Catalog,
    private readonly clock: () => Date,
  ) {}

  async publicView(rawCode: string, caller: QueryCaller): Promise<SubjectView> {
    const today = this.clock();
    const checked = classifySubjectCode(rawCode, today);
    const logEntry = {
      callerKind: caller.kind,
      callerId: null,
      subjectCode: checked.ok ? checked.code : rawCode.slice(0, 64),
      purpose: null,
      clientAddress: caller.clientAddress,
    };
    if (!checked.ok) {
      await this.repository.logRefused(logEntry, 'invalid_code');
      throw new QueryError('INVALID_SUBJECT_CODE', '统一社会信用代码或公民身份号码无效');
    }
    const publicItems = this.catalog.all().filter((i) => i.disclosure === 'public' && i.publication.rule !== 'none');
    const { subject, records } = await this.repository.findVisibleAndLog(
      checked.code,
      { itemCodes: publicItems.map((i) => i.code), statuses: ['active'], servedOn: chinaCalendarDate(today) },
      logEntry,
    );
    if (!subject || records.length === 0) {
      throw new QueryError('SUBJECT_NOT_FOUND', `未找到可公开的信用主体信息（${maskIdentifier(checked.code)}）`);
    }
    return {
      code: subject.code,
      kind: subject.kind,
      name: subject.name,
      records: records.map((r) => {
        const item = this.catalog.find(r.itemCode);
        const personal = new Set(item?.fields.filter((f) => f.personal).map((f) => f.name));
        return {
          id: r.id,
          item: r.itemCode,
          category: item?.category ?? 'basic',
          disclosure: item?.disclosure ?? 'public',
          status: r.status,
          disputed: r.disputed,
          publicationEnd: r.publicationEnd,
          fields: maskFields(r.fields, personal),
          supplier: r.supplier,
        };
      }),
    };
  }
}

/** The public never sees a personal identifier whole, not even inside free text. */
function maskFields(fields: Record<string, unknown>, personal: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'string') out[name] = value;
    else out[name] = personal.has(name) ? maskIdentifier(value) : maskPersonalIdsInText(value);
  }
  return out;
}
