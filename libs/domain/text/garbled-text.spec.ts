import * as iconv from 'iconv-lite';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fromTsv } from '../../../test/fixtures/garbled-text/build-corpus';
import { detectGarbledText, invalidUtf8Sequences } from './garbled-text';

describe('garbled text (第十四条: garbled data goes back to its supplier, never to the public)', () => {
  it.each([
    ['replacement characters', '厦门��公司', 'replacement-character', undefined],
    ['锟斤拷', '厦门锟斤拷公司', 'replacement-read-as-gbk', undefined],
    ['uninitialised memory', '烫烫烫烫', 'uninitialised-memory', undefined],
    ['UTF-8 read as GBK', '鍘﹂棬甯傛煇鏌愮鎶€鏈夐檺鍏徃', 'utf8-read-as-gbk', '厦门市某某�技有限兏�'],
    ['UTF-8 read as GBK, whole', iconv.decode(Buffer.from('厦门市某某科技有限公司', 'utf8'), 'gbk'), 'utf8-read-as-gbk', '厦门市某某科技有限公司'],
    ['GBK read as Latin-1', 'ÏÃÃÅÊÐ', 'gbk-read-as-latin1', '厦门市'],
    ['UTF-8 read as Latin-1', Buffer.from('厦门市', 'utf8').toString('latin1'), 'utf8-read-as-latin1', '厦门市'],
    ['double encoding', Buffer.from(Buffer.from('罚款', 'utf8').toString('latin1'), 'utf8').toString('latin1'), 'double-encoded', '罚款'],
    ['GBK read as UTF-8', '֣ΰ', 'gbk-read-as-utf8', '郑伟'],
    ['question marks for lost characters', '厦门??公司', 'question-marks', undefined],
  ])('finds %s', (_, text, cause, meant) => {
    expect(detectGarbledText(text)).toEqual({ cause, ...(meant === undefined ? {} : { probablyMeant: meant }) });
  });

  it.each([
    ['ordinary names', '厦门市鹭岛建筑工程有限公司'],
    ['rare characters', '犇骉焱鑫贸易商行'],
    ['traditional characters', '臺灣積體電路製造股份有限公司'],
    ['〇 in dates', '二〇二三年三月五日'],
    ['CJK extension A', '陈㐀'],
    ['CJK extension B', '王𠀀'],
    ['mixed Latin', 'ABC（厦门）科技有限公司'],
    ['accented Latin', 'Müller Technik GmbH 厦门代表处'],
    ['Greek alone', 'ΑΒΓ 厦门代理'],
    ['Cyrillic alone', 'Иван Петров'],
    ['a question ending in ?', '是否已整改?'],
    ['plain ASCII', 'ZJ-2023-001'],
  ])('leaves %s alone', (_, text) => {
    expect(detectGarbledText(text)).toBeUndefined();
  });

  it('checks UTF-8 well-formedness as TextDecoder does', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const samples = ['e4b8ad', 'c0af', 'eda080', 'f4908080', 'e4b8', 'efbfbd', 'f09f9880', '80', 'e0a080'];
    for (const hex of samples) {
      const bytes = Buffer.from(hex, 'hex');
      let valid = true;
      try {
        fatal.decode(bytes);
      } catch {
        valid = false;
      }
      expect({ hex, valid: invalidUtf8Sequences(bytes) === 0 }).toEqual({ hex, valid });
    }
  });

  describe('on the labelled corpus (test/fixtures/garbled-text/corpus.tsv, docs/GARBLED-TEXT.md)', () => {
    const corpus = fromTsv(readFileSync(resolve(__dirname, '../../../test/fixtures/garbled-text/corpus.tsv'), 'utf8'));
    const clean = corpus.filter((e) => e.label === 'clean');
    const garbled = corpus.filter((e) => e.label === 'garbled');

    it('holds thousands of fields of each label', () => {
      expect(clean.length).toBeGreaterThanOrEqual(5000);
      expect(garbled.length).toBeGreaterThanOrEqual(5000);
    });

    it('catches at least 99 % of the garbled fields', () => {
      const caught = garbled.filter((e) => detectGarbledText(e.text) !== undefined).length;
      expect(caught / garbled.length).toBeGreaterThanOrEqual(0.99);
    });

    it('flags at most 0.1 % of the clean fields', () => {
      const flagged = clean.filter((e) => detectGarbledText(e.text) !== undefined).map((e) => e.text);
      expect(flagged.length / clean.length).toBeLessThanOrEqual(0.001);
    });
  });
});
