import { classifySubjectCode, normalizeIdentifier } from '../../domain/identity';
import { IdentifierLink, SubjectRegistryRepository } from '../../persistence/subject-registry.repository';
import { AdminError } from './supplier-admin.service';

/** Operators link legacy identifiers (passport, 工商注册号, …) to a subject's code (第六条). */
export class SubjectRegistryService {
  constructor(
    private readonly registry: SubjectRegistryRepository,
    private readonly clock: () => Date,
  ) {}

  async link(links: readonly IdentifierLink[]): Promise<{ linked: number }> {
    const problems: { path: string; message: string }[] = [];
    const normalised = links.map((l, i) => {
      const check = classifySubjectCode(l.subjectCode, this.clock());
      if (!check.ok) problems.push({ path: `links[${i}].subjectCode`, message: '不是有效的统一社会信用代码或公民身份号码' });
      return { kind: l.kind, identifier: normalizeIdentifier(l.identifier), subjectCode: check.ok ? check.code : l.subjectCode };
    });
    if (problems.length > 0) throw new AdminError('INVALID_REQUEST', '请求内容无效', problems);
    await this.registry.learn(normalised, 'operator');
    return { linked: normalised.length };
  }
}
