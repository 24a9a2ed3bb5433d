import { SecretBox } from './secret-box';

describe('SecretBox: connector secrets encrypted at rest', () => {
  const box = new SecretBox('a-long-enough-hub-secret-key-for-tests');

  it('opens what it sealed', () => {
    expect(box.open(box.seal({ password: '口令-123' }))).toEqual({ password: '口令-123' });
  });

  it('never stores the plain value, and seals the same value differently each time', () => {
    const a = box.seal({ password: 'hunter2' });
    expect(a).not.toContain('hunter2');
    expect(box.seal({ password: 'hunter2' })).not.toBe(a);
  });

  it('refuses a value sealed under another key or tampered with', () => {
    const sealed = box.seal({ password: 'x' });
    expect(() => new SecretBox('another-hub-secret-key-entirely').open(sealed)).toThrow();
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
    expect(() => box.open(tampered)).toThrow();
  });
});
