/**
 * JSON.stringify's exact text, written without recursion. A supplier's record may be nested
 * 20,000 levels deep (JSON.parse takes it, JSON.stringify overflows the stack): a connector that
 * fingerprints its page with JSON.stringify threw `Maximum call stack size exceeded` and retried
 * forever with its cursor stuck (issue 11 finding 6). The text goes to `sink` in pieces, so a
 * digest never holds it whole; the hub refuses such a record later (RECORD_TOO_LARGE).
 */
export function writeJson(value: unknown, sink: (text: string) => void): void {
  let buffer = '';
  const emit = (text: string) => {
    buffer += text;
    if (buffer.length >= 64 * 1024) {
      sink(buffer);
      buffer = '';
    }
  };
  // Either a value to write (with how it behaves when it cannot be written: `inArray` → null) or literal text.
  const stack: ({ text: string } | { value: unknown; key: string; holder: unknown; inArray: boolean })[] = [{ value, key: '', holder: undefined, inArray: true }];
  while (stack.length > 0) {
    const top = stack.pop() as { text: string } | { value: unknown; key: string; holder: unknown; inArray: boolean };
    if ('text' in top) {
      emit(top.text);
      continue;
    }
    let v = top.value;
    if (v !== null && (typeof v === 'object' || typeof v === 'bigint') && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      v = (v as { toJSON(key: string): unknown }).toJSON(top.key);
    }
    if (v === null || typeof v !== 'object') {
      const text = JSON.stringify(v) as string | undefined; // primitives: the same rules, the same TypeError for a bigint
      emit(text ?? 'null');
      continue;
    }
    if (Array.isArray(v)) {
      emit('[');
      stack.push({ text: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i], key: String(i), holder: v, inArray: true });
        if (i > 0) stack.push({ text: ',' });
      }
      continue;
    }
    emit('{');
    stack.push({ text: '}' });
    const entries = Object.keys(v).filter((k) => isWritable((v as Record<string, unknown>)[k]));
    for (let i = entries.length - 1; i >= 0; i--) {
      const k = entries[i];
      stack.push({ value: (v as Record<string, unknown>)[k], key: k, holder: v, inArray: false });
      stack.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(k)}:` });
    }
  }
  if (buffer) sink(buffer);
}

/** JSON.stringify leaves out of an object the members it cannot write (undefined, functions, symbols). */
function isWritable(value: unknown): boolean {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}
