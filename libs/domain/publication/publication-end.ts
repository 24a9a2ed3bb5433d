import type { CatalogItem } from '../../../catalog/catalog-item.schema';

/**
 * 第二十八条: the last day a record is published. Severe-dishonesty listings 5 years, key-attention
 * listings 1 year, other bad information at least 3 months; the item's catalog entry names the
 * period and the date it counts from. Items published without end, or never, have none.
 */
export function publicationEnd(item: CatalogItem, fields: Record<string, unknown>): string | null {
  const { rule, months, fromField } = item.publication;
  if (rule === 'permanent' || rule === 'none' || months === undefined) return null;
  const from = fields[fromField];
  if (typeof from !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(from)) return null;
  const extended = rule === 'key_attention_1y' && fields[KEY_ATTENTION_EXTENSION_FIELD] === true;
  return addMonths(from, extended ? KEY_ATTENTION_EXTENDED_MONTHS : months);
}

/**
 * 第二十八条: a subject listed by three or more sectors within twelve months is told so, and the
 * providers are prompted to extend the period to two years. The center does not extend it itself:
 * a provider that agrees sends its listing again with this field true (libs/domain/lists).
 */
export const KEY_ATTENTION_EXTENSION_FIELD = 'extended_to_two_years';
export const KEY_ATTENTION_EXTENDED_MONTHS = 24;

/** Calendar months; a start on the 31st ends on the last day of a shorter month. */
export function addMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  const monthIndex = m - 1 + months;
  const year = y + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(d, lastDay);
  return `${year}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
