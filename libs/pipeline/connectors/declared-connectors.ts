import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConnectorAdminError, ConnectorAdminService } from '../admin/connector-admin.service';

/** One connector instance declared as a file (config-as-code); its secrets come from the environment, never the file. */
export const connectorDeclarationSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{1,63}$/, 'lower-case letters, digits, - and _'),
  supplier: z.string().min(1),
  item: z.string().min(1),
  kind: z.string().min(1),
  schedule: z.string().min(1),
  config: z.record(z.string(), z.unknown()),
  /** config field → environment variable holding its value (HUB_CONNECTOR_SECRET_…). */
  secretsFromEnv: z.record(z.string(), z.string().regex(/^HUB_CONNECTOR_SECRET_[A-Z0-9_]+$/)).default({}),
});

export type ConnectorDeclaration = z.infer<typeof connectorDeclarationSchema>;

export class DeclaredConnectorsError extends Error {
  readonly code = 'CONNECTOR_DECLARATIONS_INVALID';
  constructor(readonly problems: { file: string; path: string; message: string }[]) {
    super(`connector declarations invalid:\n${problems.map((p) => `  ${p.file} ${p.path}: ${p.message}`).join('\n')}`);
  }
}

/** Reads every `*.yaml` / `*.json` declaration in the folder; every problem of every file is reported at once. */
export function readConnectorDeclarations(dir: string): { file: string; declaration: ConnectorDeclaration }[] {
  const problems: { file: string; path: string; message: string }[] = [];
  const declarations: { file: string; declaration: ConnectorDeclaration }[] = [];
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) {
    let raw: unknown;
    try {
      const text = readFileSync(join(dir, file), 'utf8');
      raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    } catch (e) {
      problems.push({ file, path: '', message: (e as Error).message });
      continue;
    }
    const parsed = connectorDeclarationSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((i) => ({ file, path: i.path.join('.'), message: i.message })));
      continue;
    }
    if (names.has(parsed.data.name)) problems.push({ file, path: 'name', message: `name ${parsed.data.name} is declared twice` });
    names.add(parsed.data.name);
    declarations.push({ file, declaration: parsed.data });
  }
  if (problems.length > 0) throw new DeclaredConnectorsError(problems);
  return declarations;
}

/** Applies the declarations at start-up: create or replace by name; an invalid one stops the start with every problem. */
export async function applyConnectorDeclarations(
  dir: string,
  secretsEnv: Readonly<Record<string, string>>,
  admin: ConnectorAdminService,
): Promise<{ name: string; id: string; changed: boolean }[]> {
  const declarations = readConnectorDeclarations(dir);
  const problems: { file: string; path: string; message: string }[] = [];
  const applied: { name: string; id: string; changed: boolean }[] = [];
  for (const { file, declaration } of declarations) {
    const config = { ...declaration.config };
    for (const [field, variable] of Object.entries(declaration.secretsFromEnv)) {
      const value = secretsEnv[variable];
      if (value === undefined) problems.push({ file, path: `secretsFromEnv.${field}`, message: `environment variable ${variable} is not set` });
      else config[field] = value;
    }
    if (problems.some((p) => p.file === file)) continue;
    try {
      const result = await admin.declare(declaration.name, { ...declaration, config });
      applied.push({ name: declaration.name, ...result });
    } catch (e) {
      if (!(e instanceof ConnectorAdminError)) throw e;
      const details = e.details.length > 0 ? e.details : [{ path: '', message: e.message }];
      problems.push(...details.map((d) => ({ file, path: d.path, message: `${e.code}: ${d.message}` })));
    }
  }
  if (problems.length > 0) throw new DeclaredConnectorsError(problems);
  return applied;
}
