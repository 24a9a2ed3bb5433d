/**
 * 第十八条: the purposes for which a government user (行政机关、法律法规授权的具有管理公共事务职能的组织)
 * may query a subject's public credit information. A government query without one of these codes is
 * refused (`PURPOSE_REQUIRED`); the code travels in `X-Query-Purpose` and is written to the query log
 * (第十九条). Labels paraphrase the six items of the article's first paragraph.
 */
export const QUERY_PURPOSES = [
  {
    code: 'licensing_inspection_penalty',
    label: '行政许可、监督检查、行政处罚',
    article: '第十八条第一款第（一）项',
  },
  {
    code: 'procurement_bidding_funding_land_research',
    label: '政府采购、招标投标、资金安排、国有土地出让、科研管理',
    article: '第十八条第一款第（二）项',
  },
  {
    code: 'civil_servant_hiring_promotion',
    label: '公务员录用和晋升',
    article: '第十八条第一款第（三）项',
  },
  { code: 'commendation', label: '表彰奖励', article: '第十八条第一款第（四）项' },
  { code: 'public_safety_risk', label: '公共安全风险分析', article: '第十八条第一款第（五）项' },
  { code: 'other_statutory', label: '法律法规规定的其他情形', article: '第十八条第一款第（六）项' },
] as const;

export type QueryPurpose = (typeof QUERY_PURPOSES)[number]['code'];

export const QUERY_PURPOSE_CODES: readonly QueryPurpose[] = QUERY_PURPOSES.map((p) => p.code);

/** For values read from a header or a token: anything outside the R18 list is not a purpose. */
export function isQueryPurpose(value: unknown): value is QueryPurpose {
  return typeof value === 'string' && (QUERY_PURPOSE_CODES as readonly string[]).includes(value);
}

/** The Chinese label of a purpose, e.g. for the query log and the credit report. */
export function queryPurposeLabel(purpose: QueryPurpose): string {
  const found = QUERY_PURPOSES.find((p) => p.code === purpose);
  if (found === undefined) throw new RangeError(`not an R18 query purpose: ${String(purpose)}`);
  return found.label;
}
