/** 第二十一条: red, black and key-attention memberships, served from one place. */
import { loadCatalog } from '../../../catalog/catalog';
import { groupListMemberships } from './list-memberships';

const catalog = loadCatalog();
const listOf = (code: string) => catalog.find(code)?.list;

function record(id: string, item: string, fields: Record<string, unknown> = {}) {
  return { id, item, fields };
}

describe('groupListMemberships — by the catalog item’s list (第二十一条)', () => {
  it.each([
    { item: 'honesty_red_list', list: 'red' },
    { item: 'severe_dishonesty_list', list: 'black' },
    { item: 'dishonest_judgment_debtor', list: 'black' },
    { item: 'key_attention_list', list: 'keyAttention' },
    { item: 'abnormal_operation_list', list: null },
    { item: 'administrative_penalty', list: null },
    { item: 'commendation', list: null },
    { item: 'no_such_item', list: null },
  ])('$item → $list', ({ item, list }) => {
    const grouped = groupListMemberships([record('1', item)], listOf, '2026-11-27');
    const where = Object.entries(grouped).filter(([, records]) => records.length > 0).map(([name]) => name);
    expect(where).toEqual(list === null ? [] : [list]);
  });

  it.each([
    { validTo: '2026-11-26', current: false },
    { validTo: '2026-11-27', current: true },
    { validTo: '2027-01-01', current: true },
    { validTo: undefined, current: true },
    { validTo: 'soon', current: true },
  ])('a designation valid to $validTo is current on 2026-11-27: $current', ({ validTo, current }) => {
    const fields = validTo === undefined ? {} : { valid_to: validTo };
    const grouped = groupListMemberships([record('1', 'honesty_red_list', fields)], listOf, '2026-11-27');
    expect(grouped.red).toHaveLength(current ? 1 : 0);
  });

  it('keeps the order of the records within each list', () => {
    const grouped = groupListMemberships(
      [record('k2', 'key_attention_list'), record('b1', 'severe_dishonesty_list'), record('k1', 'key_attention_list')],
      listOf,
      '2026-11-27',
    );
    expect(grouped.keyAttention.map((r) => r.id)).toEqual(['k2', 'k1']);
    expect(grouped.black.map((r) => r.id)).toEqual(['b1']);
    expect(grouped.red).toEqual([]);
  });
});
