import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { maskIdentifier } from '../../domain/identity';
import { chinaCalendarDate } from '../../domain/identity/citizen-id';
import {
  decideKeyAttentionEscalation,
  escalationWindow,
  KEY_ATTENTION_EXTENDED_MONTHS,
  KEY_ATTENTION_SECTOR_THRESHOLD,
  ListsDomainError,
} from '../../domain/lists';
import { KEY_ATTENTION_EXTENSION_FIELD } from '../../domain/publication/publication-end';
import { EscalationCandidate, KeyAttentionRepository } from '../../persistence/key-attention.repository';
import type { OutboxNotice } from '../../persistence/outbox.repository';
import type { Clock } from '../../runtime/tokens';
import type { HubJob, JobResult } from './hub-job';

export const SUBJECT_NOTICE_TOPIC = 'key_attention.escalation';
export const PROVIDER_PROMPT_TOPIC = 'key_attention.extension_prompt';

/**
 * 第二十八条: a subject listed on the key-attention list by three or more sectors within twelve
 * months is told so, and the providers are prompted to extend the publication period to two years.
 * The hub never extends it itself: a provider that agrees sends its listing again with
 * `extended_to_two_years: true`. Each set of listings is escalated once (libs/domain/lists);
 * the escalation row and its notices are written in one transaction.
 */
export class KeyAttentionEscalationJob implements HubJob {
  readonly name = 'key-attention-escalation';
  readonly schedule = '0 20 * * * *';
  readonly description = '重点关注名单：十二个月内被三个以上行业、领域列入的，告知信用主体并提醒信息提供单位将公示期调整为二年（第二十八条）';
  private readonly log = new Logger('KeyAttentionEscalationJob');

  constructor(
    private readonly listings: KeyAttentionRepository,
    private readonly clock: Clock,
    private readonly pageSize = 500,
  ) {}

  async run(): Promise<JobResult> {
    const now = this.clock();
    const today = chinaCalendarDate(now);
    const window = escalationWindow(today);
    let examined = 0;
    let escalated = 0;
    let providersPrompted = 0;
    let failed = 0;
    for (let after = '', more = true; more; ) {
      const page = await this.listings.candidates({
        windowFrom: window.from,
        today,
        minSectors: KEY_ATTENTION_SECTOR_THRESHOLD,
        afterSubject: after,
        limit: this.pageSize,
      });
      for (const candidate of page) {
        examined += 1;
        after = candidate.subjectCode;
        try {
          const prompted = await this.escalate(candidate, today, now);
          if (prompted !== null) {
            escalated += 1;
            providersPrompted += prompted;
          }
        } catch (error) {
          if (!(error instanceof ListsDomainError)) throw error;
          failed += 1;
          this.log.warn(`subject ${maskIdentifier(candidate.subjectCode)} skipped: ${error.message}`);
        }
      }
      more = page.length === this.pageSize;
    }
    return { examined, escalated, providersPrompted, failed };
  }

  /** The number of providers prompted, or null when nothing was (not reached, or escalated already). */
  private async escalate(candidate: EscalationCandidate, today: string, now: Date): Promise<number | null> {
    const covered = new Set(candidate.listings.filter((l) => l.escalated).map((l) => l.recordId));
    const decision = decideKeyAttentionEscalation(candidate.listings, today, covered);
    if (!decision.escalate) return null;
    const { standing, newListings, key } = decision;
    const setHash = createHash('sha256').update(key).digest('hex').slice(0, 32);
    const subject = candidate.subjectCode;
    const name = candidate.subjectName ?? '信用主体';
    const span = `${standing.window.from} 至 ${standing.window.to}`;
    const sectors = standing.sectors.join('、');
    const counted = standing.listings.length;
    const decisionNoOf = new Map(candidate.listings.map((l) => [l.recordId, l.decisionNo]));

    const notices: OutboxNotice[] = [
      {
        recipientKind: 'subject',
        recipient: subject,
        topic: SUBJECT_NOTICE_TOPIC,
        message:
          `${name}：在 ${span} 的十二个月内，您被 ${standing.sectors.length} 个行业、领域列入重点关注名单（${sectors}），共 ${counted} 条。` +
          `依据《厦门市公共信用信息管理办法》第二十八条，市信用中心特此告知，并已提醒相关信息提供单位将公示期调整为二年。` +
          '对名单信息有异议的，可向市信用中心提出异议申请。',
        payload: {
          article: '第二十八条',
          window: standing.window,
          sectors: standing.sectors,
          listings: standing.listings.map((l) => l.recordId),
        },
        dedupeKey: `${SUBJECT_NOTICE_TOPIC}:${subject}:${setHash}`,
        createdAt: now,
      },
    ];
    // Providers of listings an earlier escalation covered were prompted then; a new listing
    // prompts its own provider (on the first escalation, every listing is new).
    const toPrompt = [...new Set(newListings.map((l) => l.supplier))].sort();
    for (const supplier of toPrompt) {
      const own = standing.listings.filter((l) => l.supplier === supplier);
      const decisionNos = own.map((l) => decisionNoOf.get(l.recordId)).filter((n): n is string => typeof n === 'string' && n !== '');
      notices.push({
        recipientKind: 'supplier',
        recipient: supplier,
        topic: PROVIDER_PROMPT_TOPIC,
        message:
          `信用主体 ${name}（${maskIdentifier(subject)}）在 ${span} 的十二个月内被 ${standing.sectors.length} 个行业、领域列入重点关注名单（${sectors}）。` +
          `依据《厦门市公共信用信息管理办法》第二十八条，请贵单位考虑将所报送的重点关注名单${decisionNos.length > 0 ? `（认定文书号：${decisionNos.join('、')}）` : ''}` +
          `的公示期调整为二年：如同意调整，请重新报送该记录并将“公示期调整为二年”（${KEY_ATTENTION_EXTENSION_FIELD}）填为 true。市信用中心不自行调整公示期。`,
        payload: {
          article: '第二十八条',
          subjectCode: subject,
          records: own.map((l) => l.recordId),
          decisionNos,
          sectors: standing.sectors,
          window: standing.window,
          extensionField: KEY_ATTENTION_EXTENSION_FIELD,
          extendedMonths: KEY_ATTENTION_EXTENDED_MONTHS,
        },
        dedupeKey: `${PROVIDER_PROMPT_TOPIC}:${supplier}:${subject}:${setHash}`,
        createdAt: now,
      });
    }
    const recorded = await this.listings.recordEscalation(
      {
        subjectCode: subject,
        listingKey: key,
        listingIds: standing.listings.map((l) => l.recordId),
        sectors: standing.sectors,
        suppliers: decision.suppliers,
        windowFrom: standing.window.from,
        windowTo: standing.window.to,
        escalatedAt: now,
      },
      notices,
    );
    return recorded ? toPrompt.length : null;
  }
}
