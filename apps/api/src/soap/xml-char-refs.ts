/**
 * XML 1.0 (§2.2, §4.1 WFC: Legal Character) forbids a character reference to NUL, to the other C0
 * controls but TAB, LF and CR, to a surrogate, or to U+FFFE/U+FFFF: a strict parser refuses the
 * whole message, so one bad field used to cost the supplier every record of its SubmitRecords. The
 * references are read as the characters they name instead; the record holding one is then refused
 * with INVALID_TEXT naming the field (libs/domain/text/storable-text.ts) and its neighbours load.
 * Only references to those characters change; every other reference is left to the parser.
 */
const CHAR_REF = /&#(?:x([0-9a-fA-F]{1,8})|([0-9]{1,10}));/g;

export function readForbiddenCharRefs(xml: string): string {
  if (!xml.includes('&#')) return xml;
  return xml.replace(CHAR_REF, (ref: string, hex: string | undefined, dec: string | undefined) => {
    const code = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    return isForbiddenInXml(code) ? String.fromCharCode(code) : ref;
  });
}

function isForbiddenInXml(code: number): boolean {
  if (code < 0x20) return code !== 0x09 && code !== 0x0a && code !== 0x0d;
  return (code >= 0xd800 && code <= 0xdfff) || code === 0xfffe || code === 0xffff;
}
