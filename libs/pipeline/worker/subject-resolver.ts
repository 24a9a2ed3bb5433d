import { legacyIdentifierOf, LegacyIdentifier } from '../../domain/identity/legacy-identifier';
import { SubjectRegistryRepository } from '../../persistence/subject-registry.repository';
import { MappedRecord } from './map-chunk';

/** Fields where a record may carry a legacy identifier instead of (or besides) its social credit code. */
export const LEGACY_IDENTIFIER_FIELDS = ['subject_code', 'organization_code', 'business_registration_no'] as const;

export type RegistryLinks = ReadonlyMap<string, string>;

export function registryKey(id: { readonly kind: string; readonly identifier: string }): string {
  return `${id.kind}:${id.identifier}`;
}

/** The legacy identifiers a set of mapped records carries, for one registry look-up per chunk. */
export function legacyIdentifiersIn(mapped: readonly MappedRecord[], today: Date): LegacyIdentifier[] {
  const found = new Map<string, LegacyIdentifier>();
  for (const m of mapped) {
    if (!m.outcome.ok) continue;
    for (const field of LEGACY_IDENTIFIER_FIELDS) {
      const id = legacyIdentifierOf(m.outcome.record[field], today);
      if (id) found.set(registryKey(id), id);
    }
  }
  return [...found.values()];
}

/** Looks the chunk's legacy identifiers up in the subject registry (R6) in one query. */
export class SubjectResolver {
  constructor(private readonly registry: SubjectRegistryRepository) {}

  async linksFor(mapped: readonly MappedRecord[], today: Date): Promise<RegistryLinks> {
    const ids = legacyIdentifiersIn(mapped, today);
    const links = await this.registry.resolve(ids);
    return new Map(links.map((l) => [registryKey(l), l.subjectCode]));
  }
}
