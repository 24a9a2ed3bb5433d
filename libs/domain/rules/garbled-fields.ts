import { detectGarbledText, GARBLED_CAUSE_ZH } from '../text/garbled-text';
import { Rejection } from '../rejections/rejection-codes';

/** Fields that are the supplier's or the hub's own keys, not credit information. */
const NOT_TEXT = new Set(['source_key', 'consent_reference']);

/**
 * 第十四条: garbled text (乱码) is returned to its supplier, never published. Every text field of
 * the record, and every text inside a list, is read by the garbled-text detector; each hit names
 * the field, what went wrong and, when the mistake can be undone, what was probably meant.
 */
export function findGarbledFields(record: Record<string, unknown>): Rejection[] {
  const rejections: Rejection[] = [];
  for (const [field, value] of Object.entries(record)) {
    if (NOT_TEXT.has(field)) continue;
    const texts = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    for (const text of texts) {
      const found = detectGarbledText(text);
      if (!found) continue;
      const meant = found.probablyMeant === undefined ? '' : `，疑为「${clip(found.probablyMeant)}」`;
      rejections.push({ field, code: 'GARBLED_TEXT', value: `「${clip(text)}」：${GARBLED_CAUSE_ZH[found.cause]}${meant}` });
      break;
    }
  }
  return rejections;
}

function clip(text: string): string {
  const chars = [...text];
  return chars.length <= 60 ? text : `${chars.slice(0, 60).join('')}…`;
}
