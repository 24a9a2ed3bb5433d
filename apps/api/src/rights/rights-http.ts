import { z } from 'zod';
export { booleanParam, enumParam, pageParams } from '../query-params';
import { ApiError } from '../../../../libs/http/api-error';
import type { Applicant } from '../../../../libs/domain/rights';
import type { ObjectionEventRow } from '../../../../libs/persistence/objection.repository';
import type { NonDisclosureRow } from '../../../../libs/persistence/non-disclosure.repository';
import type { RepairRow } from '../../../../libs/persistence/repair.repository';
import type { ObjectionDetail } from '../../../../libs/pipeline/rights/objection.service';
import type { AuthenticatedRequest } from '../auth.guards';

/** Translation between HTTP and the rights services: who applies, paging, and the JSON of each row. */

export const text = (max: number) => z.string().trim().min(1, '不能为空').max(max, `不能超过 ${max} 个字符`);
export const recordIdSchema = z.string().trim().min(1, '不能为空').max(64);
export const fieldsSchema = z.record(z.string().min(1).max(100), z.unknown());

/** A subject (its code from the identity token) or an operator acting for it. */
export function applicantOf(request: AuthenticatedRequest): Applicant {
  const caller = request.caller;
  if (caller?.kind === 'subject') return { kind: 'subject', subjectCode: caller.subjectCode };
  if (caller?.kind === 'operator') return { kind: 'operator' };
  throw new ApiError(401, 'UNAUTHENTICATED', '未认证或凭据无效');
}

/** The provider never sees the applicant's contact details. */
export function objectionJson(o: ObjectionDetail, audience: 'center' | 'subject' | 'supplier') {
  return {
    id: o.id,
    recordId: o.recordId,
    item: o.itemCode,
    supplier: o.supplierCode,
    applicant: o.applicantCode,
    filedBy: o.filedBy,
    reason: o.reason,
    ...(audience === 'supplier' ? {} : { contact: o.contact }),
    state: o.state,
    acceptedOn: o.acceptedOn,
    comparisonDue: o.comparisonDue,
    comparisonNote: o.comparisonNote,
    forwardedOn: o.forwardedOn,
    providerDue: o.providerDue,
    providerAnswer: o.providerAnswer,
    providerNote: o.providerNote,
    providerFields: o.providerFields,
    answeredOn: o.answeredOn,
    completionDue: o.completionDue,
    providerMissedDeadline: o.providerMissedDeadline,
    recordWithheld: o.recordWithheld,
    overdue: o.overdue,
    outcome: o.outcome,
    outcomeReason: o.outcomeReason,
    closedOn: o.closedOn,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

export function objectionEventJson(e: ObjectionEventRow) {
  return { action: e.action, fromState: e.fromState, toState: e.toState, actor: e.actor, note: e.note, detail: e.detail, at: e.at.toISOString() };
}

export function repairJson(r: RepairRow) {
  return {
    id: r.id,
    recordId: r.recordId,
    item: r.itemCode,
    supplier: r.supplierCode,
    applicant: r.applicantCode,
    filedBy: r.filedBy,
    reason: r.reason,
    evidence: r.evidence,
    state: r.state,
    decidedBy: r.decidedBy,
    decisionReason: r.decisionReason,
    decidedAt: r.decidedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

export function nonDisclosureJson(n: NonDisclosureRow) {
  return {
    id: n.id,
    recordId: n.recordId,
    item: n.itemCode,
    supplier: n.supplierCode,
    applicant: n.applicantCode,
    filedBy: n.filedBy,
    reason: n.reason,
    state: n.state,
    acceptedOn: n.acceptedOn,
    dueOn: n.dueOn,
    refusalReason: n.refusalReason,
    finishedAt: n.finishedAt?.toISOString() ?? null,
    createdAt: n.createdAt.toISOString(),
  };
}
