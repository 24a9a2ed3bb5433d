/**
 * 第二十一条: the red list (守信联合激励), the black list (失信联合惩戒) and the key-attention list
 * (重点关注) are designated by the providers and served from one place. A record is a membership
 * when its catalog item carries `list`; which records a caller may see is decided before this
 * (libs/domain/access), so this only sorts what is visible into the three lists.
 */
import type { CatalogList } from '../../../catalog/catalog-item.schema';
import { isIsoDate } from '../calendar/iso-date';

/** The date field that ends a designation (inclusive), where the item has one (honesty_red_list). */
export const DESIGNATION_END_FIELD = 'valid_to';

export interface ListMemberships<T> {
  readonly red: T[];
  readonly black: T[];
  readonly keyAttention: T[];
}

/**
 * Sorts `records` (in their order) by the `list` of their catalog item; records of other items are
 * left out, and so is a designation whose `valid_to` lies before today (it has lapsed; the record
 * itself stays in the subject's records).
 */
export function groupListMemberships<T extends { readonly item: string; readonly fields: Readonly<Record<string, unknown>> }>(
  records: readonly T[],
  listOf: (itemCode: string) => CatalogList | undefined,
  today: string,
): ListMemberships<T> {
  const out: ListMemberships<T> = { red: [], black: [], keyAttention: [] };
  for (const record of records) {
    const list = listOf(record.item);
    if (list === undefined || lapsed(record.fields, today)) continue;
    switch (list) {
      case 'red':
        out.red.push(record);
        break;
      case 'black':
        out.black.push(record);
        break;
      case 'key_attention':
        out.keyAttention.push(record);
        break;
    }
  }
  return out;
}

function lapsed(fields: Readonly<Record<string, unknown>>, today: string): boolean {
  const end = fields[DESIGNATION_END_FIELD];
  return isIsoDate(end) && end < today;
}
