/**
 * Unified social credit code (统一社会信用代码, USCC), GB 32100-2015 + XG1-2016 (R6).
 *
 * Layout (GB 32100-2015 §4):
 *   1     登记管理部门代码 registration authority
 *   2     机构类别代码 organisation type (meaning depends on char 1)
 *   3–8   登记管理机关行政区划码 (GB/T 2260 code of the registering authority)
 *   9–17  主体标识码 = the legacy 组织机构代码 with its own GB 11714 check character
 *   18    校验码 (mod 31 over chars 1–17)
 *
 * Stricter than python-stdnum / stdnum-js on purpose (credit-domain.md §1.4): they do not check the
 * embedded organisation code or the authority table, they reject the legal letter authorities
 * A / N / Y, and stdnum-js rejects every code whose check character is `0`.
 */
import type { RejectionCode } from '../rejections/rejection-codes';
import { organizationCodeCheckCharacter, USCC_ALPHABET, usccCheckCharacter } from './check-characters';
import { detectSpreadsheetDamage, normalizeIdentifier } from './normalize';

export { organizationCodeCheckCharacter, USCC_ALPHABET, usccCheckCharacter } from './check-characters';

export interface UsccAuthority {
  readonly name: string;
  /** char 2 → 机构类别 name; only these pairs are legal under this authority. */
  readonly types: Readonly<Record<string, string>>;
}

/**
 * GB 32100-2015 附录 A as amended (credit-domain.md §1.2). The letter authorities were added by
 * amendments whose exact history is unverified, and the table may grow again: this constant is the
 * only place to change. An unknown char-1/char-2 pair is rejected as USCC_FORMAT.
 */
export const USCC_REGISTRATION_AUTHORITIES: Readonly<Record<string, UsccAuthority>> = {
  '1': { name: '机构编制', types: { '1': '机关', '2': '事业单位', '3': '中央编办直接管理机构编制的群众团体', '9': '其他' } },
  '2': { name: '外交', types: { '1': '外国常驻新闻机构', '9': '其他' } },
  '3': {
    name: '司法行政',
    types: {
      '1': '律师执业机构',
      '2': '公证处',
      '3': '基层法律服务所',
      '4': '司法鉴定机构',
      '5': '仲裁委员会',
      '9': '其他',
    },
  },
  '4': { name: '文化', types: { '1': '外国在华文化中心', '9': '其他' } },
  '5': { name: '民政', types: { '1': '社会团体', '2': '民办非企业单位', '3': '基金会', '9': '其他' } },
  '6': {
    name: '旅游',
    types: {
      '1': '外国旅游部门常驻代表机构',
      '2': '港澳台地区旅游部门常驻内地（大陆）代表机构',
      '9': '其他',
    },
  },
  '7': { name: '宗教', types: { '1': '宗教活动场所', '2': '宗教院校', '9': '其他' } },
  '8': { name: '工会', types: { '1': '基层工会', '9': '其他' } },
  // The standard says 工商; the registering authority today is 市场监督管理.
  '9': { name: '工商（市场监管）', types: { '1': '企业', '2': '个体工商户', '3': '农民专业合作社' } },
  A: { name: '中央军委改革和编制办公室', types: { '1': '军队事业单位', '9': '其他' } },
  N: { name: '农业（农业农村）', types: { '1': '组级集体经济组织', '2': '村级集体经济组织', '3': '乡镇级集体经济组织', '9': '其他' } },
  Y: { name: '其他', types: { '1': '其他' } },
};

/** Own-property lookup: a Record index is typed as always present and would also see `toString`. */
function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export type UsccCheck =
  | {
      ok: true;
      code: string;
      authority: string;
      authorityName: string;
      orgType: string;
      orgTypeName: string;
      region: string;
      organizationCode: string;
    }
  | {
      ok: false;
      code: Extract<RejectionCode, 'USCC_FORMAT' | 'USCC_CHECKSUM' | 'ORG_CODE_CHECKSUM' | 'SPREADSHEET_DAMAGE'>;
      reason: string;
    };

export type OrganizationCodeCheck =
  | { ok: true; code: string }
  | { ok: false; code: Extract<RejectionCode, 'INVALID_FORMAT' | 'ORG_CODE_CHECKSUM'>; reason: string };

/**
 * GB 11714-1997 reserves `PDY00001`–`PDY99999` for self-defined internal codes, "not a basis for
 * exchange between systems": a code from that block in exchanged data is not a real subject.
 */
function isSelfDefinedBlock(body8: string): boolean {
  return /^PDY\d{5}$/.test(body8) && body8 !== 'PDY00000';
}

/**
 * A standalone legacy organisation code (old systems send it instead of the USCC). GB 11714-1997:
 * 8 characters of 0-9/A-Z (all 26 letters here; inside a USCC only the 31-symbol alphabet can occur),
 * then the check character 0-9 or X. The display hyphen `XXXXXXXX-X` is removed by normalisation.
 * There is no ORG_CODE_FORMAT rejection code, so format errors are INVALID_FORMAT.
 */
export function checkOrganizationCode(raw: string): OrganizationCodeCheck {
  const code = normalizeIdentifier(raw);
  if (!/^[0-9A-Z]{8}[0-9X]$/.test(code)) {
    return {
      ok: false,
      code: 'INVALID_FORMAT',
      reason: `an organisation code (GB 11714-1997) is 8 digits or upper-case letters plus a check character 0-9 or X; got ${String(code.length)} characters`,
    };
  }
  const body = code.slice(0, 8);
  const expected = organizationCodeCheckCharacter(body);
  if (code.charAt(8) !== expected) {
    return {
      ok: false,
      code: 'ORG_CODE_CHECKSUM',
      reason: `organisation code check character is ${code.charAt(8)}, GB 11714-1997 gives ${expected}`,
    };
  }
  if (isSelfDefinedBlock(body)) {
    return {
      ok: false,
      code: 'INVALID_FORMAT',
      reason: 'PDY00001–PDY99999 is the GB 11714-1997 self-defined block, not valid between systems',
    };
  }
  return { ok: true, code };
}

export function isValidOrganizationCode(raw: string): boolean {
  return checkOrganizationCode(raw).ok;
}

/**
 * Validates a USCC. Checks run from structure to checksum so the reason names the first thing wrong:
 * spreadsheet damage → length → alphabet → chars 3–8 digits → authority/type pair → mod-31 check
 * character → embedded GB 11714 organisation code → self-defined block.
 */
export function checkUscc(raw: string): UsccCheck {
  if (detectSpreadsheetDamage(raw)) {
    return {
      ok: false,
      code: 'SPREADSHEET_DAMAGE',
      reason: 'the value looks like a number a spreadsheet rewrote (scientific notation or lost digits)',
    };
  }
  const code = normalizeIdentifier(raw);
  if (code.length !== 18) {
    return { ok: false, code: 'USCC_FORMAT', reason: `a USCC has 18 characters, got ${String(code.length)}` };
  }
  for (let i = 0; i < 18; i += 1) {
    if (!USCC_ALPHABET.includes(code.charAt(i))) {
      return {
        ok: false,
        code: 'USCC_FORMAT',
        reason: `character ${String(i + 1)} is not in the GB 32100 alphabet (0-9 and A-Z without I, O, Z, S, V)`,
      };
    }
  }
  const region = code.slice(2, 8);
  if (!/^\d{6}$/.test(region)) {
    return {
      ok: false,
      code: 'USCC_FORMAT',
      reason: 'characters 3–8 (登记管理机关行政区划码) must be digits',
    };
  }
  const authority = code.charAt(0);
  const orgType = code.charAt(1);
  const authorityEntry = ownEntry(USCC_REGISTRATION_AUTHORITIES, authority);
  const orgTypeName = authorityEntry === undefined ? undefined : ownEntry(authorityEntry.types, orgType);
  if (authorityEntry === undefined || orgTypeName === undefined) {
    return {
      ok: false,
      code: 'USCC_FORMAT',
      reason: `characters 1–2 "${authority}${orgType}" are not a registration-authority/type pair of GB 32100-2015 附录 A`,
    };
  }
  const expected = usccCheckCharacter(code.slice(0, 17));
  if (code.charAt(17) !== expected) {
    return {
      ok: false,
      code: 'USCC_CHECKSUM',
      reason: `check character is ${code.charAt(17)}, GB 32100-2015 gives ${expected}`,
    };
  }
  const organizationCode = code.slice(8, 17);
  const org = checkOrganizationCode(organizationCode);
  if (!org.ok) {
    return org.code === 'ORG_CODE_CHECKSUM'
      ? { ok: false, code: 'ORG_CODE_CHECKSUM', reason: `characters 9–17: ${org.reason}` }
      : { ok: false, code: 'USCC_FORMAT', reason: `characters 9–17: ${org.reason}` };
  }
  return {
    ok: true,
    code,
    authority,
    authorityName: authorityEntry.name,
    orgType,
    orgTypeName,
    region,
    organizationCode,
  };
}
