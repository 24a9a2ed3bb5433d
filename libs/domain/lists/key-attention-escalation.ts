/**
 * 第二十八条: 在十二个月内被列入三个以上行业、领域重点关注名单的，市信用中心应告知信用主体，并提醒
 * 信息提供单位将公示期调整为二年. Plain functions of a subject's key-attention listings and today's
 * China date; README.md in this folder records the reading (window, counting, once per set).
 */
import { addDays, isIsoDate } from '../calendar/iso-date';
import { addMonths, KEY_ATTENTION_EXTENDED_MONTHS } from '../publication/publication-end';

/** 三个以上: in Chinese legal usage 以上 includes the number itself. */
export const KEY_ATTENTION_SECTOR_THRESHOLD = 3;
/** 十二个月内. */
export const KEY_ATTENTION_WINDOW_MONTHS = 12;
export { KEY_ATTENTION_EXTENDED_MONTHS };

/** One key-attention listing of the subject (a `key_attention_list` record). */
export interface KeyAttentionListing {
  readonly recordId: string;
  /** 所属行业领域, as the provider wrote it. */
  readonly sector: string;
  /** 列入日期 (YYYY-MM-DD). */
  readonly decisionDate: string;
  /** Code of the supplier that provided the listing. */
  readonly supplier: string;
}

export interface EscalationWindow {
  /** First day (inclusive) a listing may carry and still count today. */
  readonly from: string;
  /** Today (inclusive). */
  readonly to: string;
}

export interface KeyAttentionStanding {
  readonly window: EscalationWindow;
  /** The listings that count today, by decision date then record id. */
  readonly listings: readonly KeyAttentionListing[];
  /** Their distinct sectors (normalised), sorted. */
  readonly sectors: readonly string[];
  /** Three or more sectors within the window. */
  readonly reached: boolean;
}

export type EscalationDecision =
  | { readonly escalate: false; readonly reason: 'FEWER_THAN_THREE_SECTORS' | 'ALREADY_ESCALATED'; readonly standing: KeyAttentionStanding }
  | {
      readonly escalate: true;
      readonly standing: KeyAttentionStanding;
      /** The counted listings no earlier escalation covered: what makes this one new. */
      readonly newListings: readonly KeyAttentionListing[];
      /** Stable identity of the escalation: the sorted record ids of the counted listings. */
      readonly key: string;
      /** The distinct suppliers of the counted listings, sorted: each is prompted. */
      readonly suppliers: readonly string[];
    };

export class ListsDomainError extends Error {
  readonly code = 'LISTS_INVALID_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'ListsDomainError';
  }
}

/**
 * The twelve months ending today: a listing dated `d` counts when `d <= today` and its twelve
 * months have not run out, `addMonths(d, 12) >= today` (民法典第二百零一条、第二百零二条: the day of
 * listing is not counted, the period ends on the corresponding day of the twelfth month, or the
 * month's last day). That is exactly the one-year publication period of the listing, so a listing
 * counts while it is published, and a listing of exactly twelve months ago still counts today.
 */
export function escalationWindow(today: string): EscalationWindow {
  assertDate(today, 'today');
  let from = addMonths(today, -KEY_ATTENTION_WINDOW_MONTHS);
  // 29 February: twelve months after 2023-02-28 is 2024-02-28, before a today of 2024-02-29.
  while (addMonths(from, KEY_ATTENTION_WINDOW_MONTHS) < today) from = addDays(from, 1);
  return { from, to: today };
}

/** Sectors are free text from different providers: compared after NFKC (full-width → half-width), trimmed, inner spaces collapsed. */
export function normalizeSector(sector: string): string {
  return sector.normalize('NFKC').trim().replace(/\s+/g, ' ');
}

/** Which of the subject's listings count today, their sectors, and whether three or more sectors are reached. */
export function keyAttentionStanding(listings: readonly KeyAttentionListing[], today: string): KeyAttentionStanding {
  const window = escalationWindow(today);
  const counted = listings
    .filter((l) => {
      assertDate(l.decisionDate, `decisionDate of ${l.recordId}`);
      return l.decisionDate >= window.from && l.decisionDate <= window.to && normalizeSector(l.sector) !== '';
    })
    .sort((a, b) => compare(a.decisionDate, b.decisionDate) || compare(a.recordId, b.recordId));
  const sectors = [...new Set(counted.map((l) => normalizeSector(l.sector)))].sort(compare);
  return { window, listings: counted, sectors, reached: sectors.length >= KEY_ATTENTION_SECTOR_THRESHOLD };
}

/**
 * Whether to notify the subject and prompt the providers now. Once per set of listings: a subject
 * already told about every listing that counts today is not told again (not when an old listing
 * drops out of the window, nor on the next run of the job); a new listing joining a standing that
 * has reached three sectors is a new escalation, covering every counted listing.
 * `alreadyEscalated` holds the record ids covered by the subject's earlier escalations.
 */
export function decideKeyAttentionEscalation(
  listings: readonly KeyAttentionListing[],
  today: string,
  alreadyEscalated: ReadonlySet<string>,
): EscalationDecision {
  const standing = keyAttentionStanding(listings, today);
  if (!standing.reached) return { escalate: false, reason: 'FEWER_THAN_THREE_SECTORS', standing };
  const newListings = standing.listings.filter((l) => !alreadyEscalated.has(l.recordId));
  if (newListings.length === 0) return { escalate: false, reason: 'ALREADY_ESCALATED', standing };
  return {
    escalate: true,
    standing,
    newListings,
    key: standing.listings
      .map((l) => l.recordId)
      .sort(compare)
      .join(','),
    suppliers: [...new Set(standing.listings.map((l) => l.supplier))].sort(compare),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function assertDate(value: string, name: string): void {
  if (!isIsoDate(value)) throw new ListsDomainError(`${name} must be a YYYY-MM-DD date, got ${JSON.stringify(value)}`);
}
