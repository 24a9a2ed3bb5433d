/**
 * Who asked for the report, as printed on it (第十七条, 第十八条, 第二十条). Names come from the
 * caller's verified identity or account, never from the request.
 */
export type ReportRequester =
  | { readonly kind: 'public' }
  | { readonly kind: 'subject' }
  | { readonly kind: 'authorized_third_party'; readonly name: string }
  | { readonly kind: 'credit_agency'; readonly name: string }
  | { readonly kind: 'government'; readonly name: string; readonly purposeLabel: string }
  | { readonly kind: 'operator'; readonly name?: string };

export function describeRequester(requester: ReportRequester): string {
  switch (requester.kind) {
    case 'public':
      return '社会公众';
    case 'subject':
      return '信用主体本人';
    case 'authorized_third_party':
      return `被授权查询人 ${requester.name}`;
    case 'credit_agency':
      return `信用服务机构 ${requester.name}`;
    case 'government':
      return `政务用户 ${requester.name}，查询用途：${requester.purposeLabel}`;
    case 'operator':
      return requester.name ? `信用中心工作人员 ${requester.name}` : '信用中心工作人员';
  }
}
