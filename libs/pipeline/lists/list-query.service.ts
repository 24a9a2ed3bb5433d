import type { Catalog } from '../../../catalog/catalog';
import { isIsoDate } from '../../domain/calendar';
import { chinaCalendarDate } from '../../domain/identity/citizen-id';
import { groupListMemberships, KEY_ATTENTION_EXTENDED_MONTHS, keyAttentionStanding } from '../../domain/lists';
import type { Clock } from '../../runtime/tokens';
import type { QueryContext, RecordView, SubjectQueryService } from '../query/subject-query.service';

/** 第二十八条: the subject's key-attention listings reached three sectors within twelve months. */
export interface KeyAttentionEscalationView {
  readonly windowFrom: string;
  readonly windowTo: string;
  readonly sectors: string[];
  /** Record ids of the listings counted. */
  readonly listings: string[];
  /** The period the providers are prompted to extend the listings to. */
  readonly extendedPeriodMonths: number;
}

export interface SubjectListsView {
  readonly code: string;
  readonly kind: 'organization' | 'person';
  readonly name: string | null;
  readonly red: RecordView[];
  readonly black: RecordView[];
  readonly keyAttention: RecordView[];
  readonly escalation?: KeyAttentionEscalationView;
}

/**
 * 第二十一条: the red, black and key-attention list memberships of one subject, from one place.
 * The records come through SubjectQueryService.view (access policy, masking, query log with
 * query_kind 'lists'), so a caller sees here exactly the memberships it may see among the
 * subject's records; they are then sorted by the catalog item's `list`.
 */
export class ListQueryService {
  constructor(
    private readonly queries: SubjectQueryService,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
  ) {}

  async lists(rawCode: string, context: QueryContext): Promise<SubjectListsView> {
    const subject = await this.queries.view(rawCode, { ...context, queryKind: 'lists' });
    const today = chinaCalendarDate(this.clock());
    const { red, black, keyAttention } = groupListMemberships(subject.records, (code) => this.catalog.find(code)?.list, today);
    const standing = keyAttentionStanding(
      keyAttention.flatMap((r) => {
        const { sector, decision_date: decisionDate } = r.fields;
        return typeof sector === 'string' && isIsoDate(decisionDate) ? [{ recordId: r.id, sector, decisionDate, supplier: r.supplier }] : [];
      }),
      today,
    );
    return {
      code: subject.code,
      kind: subject.kind,
      name: subject.name,
      red,
      black,
      keyAttention,
      ...(standing.reached
        ? {
            escalation: {
              windowFrom: standing.window.from,
              windowTo: standing.window.to,
              sectors: [...standing.sectors],
              listings: standing.listings.map((l) => l.recordId),
              extendedPeriodMonths: KEY_ATTENTION_EXTENDED_MONTHS,
            },
          }
        : {}),
    };
  }
}
