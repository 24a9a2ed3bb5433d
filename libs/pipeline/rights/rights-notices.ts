/**
 * The Chinese notices of the rights workflows, written to the outbox in the same transaction as
 * the decision they report. Each has a stable topic and a dedupe key naming the application and
 * the event, so a step or a job run twice writes it once.
 */
import { OUTCOME_LABELS, type ObjectionOutcome } from '../../domain/rights';
import type { OutboxNotice } from '../../persistence/outbox.repository';

/** The center as an operator-notice recipient. */
export const CENTER = 'center';

interface ObjectionRef {
  readonly id: string;
  readonly recordId: string;
  readonly contact: string;
  readonly supplierCode: string;
}

export function objectionAccepted(o: ObjectionRef, itemName: string, acceptedOn: string, comparisonDue: string, at: Date): OutboxNotice[] {
  const payload = { objectionId: o.id, recordId: o.recordId, acceptedOn, comparisonDue };
  return [
    {
      recipientKind: 'applicant',
      recipient: o.contact,
      topic: 'objection.accepted',
      message: `您对“${itemName}”信息提出的异议已于 ${acceptedOn} 受理（异议编号 ${o.id}）。市信用中心将于 ${comparisonDue} 前完成平台数据比对；处理期间该信息查询时标注为异议信息。`,
      payload,
      dedupeKey: `objection:${o.id}:accepted`,
      createdAt: at,
    },
    {
      recipientKind: 'operator',
      recipient: CENTER,
      topic: 'objection.to_compare',
      message: `新的异议申请（${o.id}，“${itemName}”）待比对，比对期限 ${comparisonDue}（第二十五条第一款）。`,
      payload,
      dedupeKey: `objection:${o.id}:to-compare`,
      createdAt: at,
    },
  ];
}

export function objectionForwarded(o: ObjectionRef, itemName: string, providerDue: string, at: Date): OutboxNotice[] {
  return [
    {
      recipientKind: 'supplier',
      recipient: o.supplierCode,
      topic: 'objection.forwarded',
      message:
        `市信用中心异议核查通知：“${itemName}”信息（记录 ${o.recordId}）经平台数据比对与信息源不一致，请于 ${providerDue} 前完成核查，` +
        '异议成立的提请更正、删除或补充，不成立的说明不予处理的原因（第二十五条第二款）。逾期未核查的，该信息将中止提供查询（第二十六条第二款）。',
      payload: { objectionId: o.id, recordId: o.recordId, providerDue },
      dedupeKey: `objection:${o.id}:forwarded`,
      createdAt: at,
    },
  ];
}

export function objectionAnswered(o: ObjectionRef, answer: string, completionDue: string, at: Date): OutboxNotice[] {
  return [
    {
      recipientKind: 'operator',
      recipient: CENTER,
      topic: 'objection.answered',
      message: `信息提供单位 ${o.supplierCode} 已反馈异议 ${o.id} 的核查结果（${answer}），请于 ${completionDue} 前完成信息处理并告知申请人。`,
      payload: { objectionId: o.id, recordId: o.recordId, answer, completionDue },
      dedupeKey: `objection:${o.id}:answered`,
      createdAt: at,
    },
  ];
}

export function providerDeadlineMissed(o: ObjectionRef, itemName: string, providerDue: string, withheld: boolean, at: Date): OutboxNotice[] {
  const effect = withheld ? '市信用中心已中止提供该信息的查询' : '该信息目前不在查询服务中';
  const payload = { objectionId: o.id, recordId: o.recordId, providerDue, withheld };
  return [
    {
      recipientKind: 'applicant',
      recipient: o.contact,
      topic: 'objection.provider_overdue',
      message: `您的异议（${o.id}）所涉“${itemName}”信息，信息提供单位未在 ${providerDue} 前完成核查，${effect}（第二十六条第二款），异议继续办理。`,
      payload,
      dedupeKey: `objection:${o.id}:provider-overdue:applicant`,
      createdAt: at,
    },
    {
      recipientKind: 'supplier',
      recipient: o.supplierCode,
      topic: 'objection.provider_overdue',
      message: `异议 ${o.id}（记录 ${o.recordId}）的核查期限 ${providerDue} 已过而未收到核查结果，${effect}（第二十六条第二款）。请尽快反馈核查结果。`,
      payload,
      dedupeKey: `objection:${o.id}:provider-overdue:supplier`,
      createdAt: at,
    },
  ];
}

export function centerOverdue(o: ObjectionRef, stage: 'comparison' | 'completion', due: string, at: Date): OutboxNotice {
  const what = stage === 'comparison' ? '平台数据比对（第二十五条第一款，2个工作日）' : '信息处理并告知申请人（第二十五条第二款，2个工作日）';
  return {
    recipientKind: 'operator',
    recipient: CENTER,
    topic: `objection.${stage}_overdue`,
    message: `异议 ${o.id} 的${what}期限 ${due} 已过，尚未办理。`,
    payload: { objectionId: o.id, recordId: o.recordId, stage, due },
    dedupeKey: `objection:${o.id}:${stage}-overdue`,
    createdAt: at,
  };
}

export function objectionClosed(
  o: ObjectionRef,
  itemName: string,
  outcome: ObjectionOutcome,
  reason: string,
  closedOn: string,
  informSupplier: boolean,
  at: Date,
): OutboxNotice[] {
  const payload = { objectionId: o.id, recordId: o.recordId, outcome, reason, closedOn };
  const notices: OutboxNotice[] = [
    {
      recipientKind: 'applicant',
      recipient: o.contact,
      topic: 'objection.closed',
      message: `您对“${itemName}”信息提出的异议（${o.id}）已于 ${closedOn} 办结，处理结果：${OUTCOME_LABELS[outcome]}。说明：${reason}`,
      payload,
      dedupeKey: `objection:${o.id}:closed`,
      createdAt: at,
    },
  ];
  if (informSupplier) {
    notices.push({
      recipientKind: 'supplier',
      recipient: o.supplierCode,
      topic: 'objection.closed',
      message: `异议 ${o.id}（记录 ${o.recordId}）已办结，处理结果：${OUTCOME_LABELS[outcome]}。说明：${reason}`,
      payload,
      dedupeKey: `objection:${o.id}:closed:supplier`,
      createdAt: at,
    });
  }
  return notices;
}

interface ApplicationRef {
  readonly id: string;
  readonly recordId: string;
  readonly subjectCode: string;
  readonly supplierCode: string;
}

export function repairFiled(a: ApplicationRef, itemName: string, at: Date): OutboxNotice[] {
  return [
    {
      recipientKind: 'supplier',
      recipient: a.supplierCode,
      topic: 'repair.filed',
      message: `信用主体就“${itemName}”失信信息（记录 ${a.recordId}）提出信用修复申请（${a.id}），请依据信用修复有关规定受理（第二十三条）。`,
      payload: { repairId: a.id, recordId: a.recordId },
      dedupeKey: `repair:${a.id}:filed`,
      createdAt: at,
    },
  ];
}

export function repairDecided(a: ApplicationRef, itemName: string, approved: boolean, reason: string, at: Date): OutboxNotice[] {
  const payload = { repairId: a.id, recordId: a.recordId, decision: approved ? 'approve' : 'reject', reason };
  const notices: OutboxNotice[] = [
    {
      recipientKind: 'subject',
      recipient: a.subjectCode,
      topic: approved ? 'repair.approved' : 'repair.rejected',
      message: approved
        ? `您就“${itemName}”失信信息提出的信用修复申请（${a.id}）已通过，该信息不再对外提供查询（第二十三条第三款）。说明：${reason}`
        : `您就“${itemName}”失信信息提出的信用修复申请（${a.id}）未通过。原因：${reason}`,
      payload,
      dedupeKey: `repair:${a.id}:decided:subject`,
      createdAt: at,
    },
  ];
  if (approved) {
    notices.push({
      recipientKind: 'supplier',
      recipient: a.supplierCode,
      topic: 'repair.approved',
      message: `“${itemName}”失信信息（记录 ${a.recordId}）已完成信用修复，市信用平台不再对外提供查询（第二十三条第三款）。`,
      payload,
      dedupeKey: `repair:${a.id}:decided:supplier`,
      createdAt: at,
    });
  }
  return notices;
}

export function nonDisclosureAccepted(a: ApplicationRef, itemName: string, dueOn: string, at: Date): OutboxNotice[] {
  return [
    {
      recipientKind: 'subject',
      recipient: a.subjectCode,
      topic: 'non_disclosure.accepted',
      message: `您申请不予公开“${itemName}”守信信息（${a.id}）已受理，市信用中心将于 ${dueOn} 前中止提供该信息的查询并归档管理（第二十七条）。`,
      payload: { requestId: a.id, recordId: a.recordId, dueOn },
      dedupeKey: `non-disclosure:${a.id}:accepted`,
      createdAt: at,
    },
  ];
}

export function nonDisclosureDone(a: ApplicationRef, itemName: string, at: Date): OutboxNotice[] {
  const payload = { requestId: a.id, recordId: a.recordId };
  return [
    {
      recipientKind: 'subject',
      recipient: a.subjectCode,
      topic: 'non_disclosure.done',
      message: `“${itemName}”守信信息已按您的申请（${a.id}）中止提供查询并归档管理（第二十七条）。`,
      payload,
      dedupeKey: `non-disclosure:${a.id}:done:subject`,
      createdAt: at,
    },
    {
      recipientKind: 'supplier',
      recipient: a.supplierCode,
      topic: 'non_disclosure.done',
      message: `应信用主体申请，“${itemName}”守信信息（记录 ${a.recordId}）已不予公开，市信用中心已中止提供查询并归档管理（第二十七条）。`,
      payload,
      dedupeKey: `non-disclosure:${a.id}:done:supplier`,
      createdAt: at,
    },
  ];
}

export function nonDisclosureRefused(a: ApplicationRef, itemName: string, reason: string, at: Date): OutboxNotice[] {
  return [
    {
      recipientKind: 'subject',
      recipient: a.subjectCode,
      topic: 'non_disclosure.refused',
      message: `您申请不予公开“${itemName}”守信信息（${a.id}）未获同意。原因：${reason}`,
      payload: { requestId: a.id, recordId: a.recordId, reason },
      dedupeKey: `non-disclosure:${a.id}:refused`,
      createdAt: at,
    },
  ];
}
