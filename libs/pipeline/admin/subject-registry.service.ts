import { checkIdentifierLink, classifySubjectCode } from '../../domain/identity';
import { IdentifierLink, LinkedIdentifier, SubjectRegistryRepository } from '../../persistence/subject-registry.repository';
import { AdminError } from './supplier-admin.service';

/** Operators link legacy identifiers (passport, 工商注册号, …) to a subject's code (第六条). */
export class SubjectRegistryService {
  constructor(
    private readonly registry: SubjectRegistryRepository,
    private readonly clock: () => Date,
  ) {}

  async link(links: readonly IdentifierLink[]): Promise<{ linked: number }> {
    const problems: { path: string; code: string; message: string }[] = [];
    const normalised = links.map((l, i) => {
      const check = checkIdentifierLink(l, this.clock());
      if (!check.ok) for (const p of check.problems) problems.push({ path: `links[${i}].${p.field}`, code: p.code, message: p.message });
      return check.ok ? { kind: l.kind, identifier: check.identifier, subjectCode: check.subjectCode } : l;
    });
    if (problems.length > 0) throw new AdminError('INVALID_REQUEST', '请求内容无效', problems);
    await this.registry.learn(normalised, 'operator');
    return { linked: normalised.length };
  }

  /** The legacy identifiers linked to a subject, operators' and learned from records alike. */
  async linksOf(code: string): Promise<{ code: string; links: LinkedIdentifier[] }> {
    const subject = classifySubjectCode(code, this.clock());
    if (!subject.ok) {
      throw new AdminError('INVALID_REQUEST', '不是有效的统一社会信用代码或公民身份号码', [{ path: 'code', code: subject.code, message: '主体代码无效' }]);
    }
    return { code: subject.code, links: await this.registry.linksOf(subject.code) };
  }
}
