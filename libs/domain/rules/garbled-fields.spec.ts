import * as iconv from 'iconv-lite';
import { findGarbledFields } from './garbled-fields';

describe('findGarbledFields (第十四条: garbled data is returned to its supplier)', () => {
  it('names each garbled text field once, with the cause and the text probably meant', () => {
    const record = {
      subject_name: iconv.decode(Buffer.from('厦门市某某科技有限公司', 'utf8'), 'gbk'),
      authority_name: '厦门市市场监督管理局',
      penalty_categories: ['罚款', '厦门��'],
      source_key: '锟斤拷-1',
    };
    expect(findGarbledFields(record)).toEqual([
      { field: 'subject_name', code: 'GARBLED_TEXT', value: expect.stringMatching(/UTF-8 文本被按 GBK 解读，疑为「厦门市某某科技有限公司」$/) },
      { field: 'penalty_categories', code: 'GARBLED_TEXT', value: '「厦门��」：含有替换字符（U+FFFD），原字符已在转换中丢失' },
    ]);
  });

  it('passes a clean record, numbers and dates', () => {
    expect(findGarbledFields({ subject_name: '臺灣積體電路製造股份有限公司', fine_amount: '2000.00', decision_date: '2024-03-05', n: 3 })).toEqual([]);
  });
});
