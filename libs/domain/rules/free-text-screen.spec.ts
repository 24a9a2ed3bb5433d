import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fromTsv } from '../../../test/fixtures/garbled-text/build-corpus';
import { screenFreeText } from './free-text-screen';

const DISEASES = ['糖尿病', '高血压', '乙肝', '抑郁症', '精神分裂症', '肺癌', '艾滋病', '心脏病', '肝炎', '肾衰竭综合征', '癫痫病'];
const RELIGIONS = ['佛教', '基督教', '天主教', '伊斯兰教', '道教'];

/** Statements about a person that 第十五条第一款 forbids collecting, as suppliers write them in remarks and facts. */
function disclosures(): string[] {
  const out: string[] = [];
  for (const d of DISEASES) {
    out.push(`当事人患有${d}`, `经查当事人确诊为${d}，现已住院治疗`, `当事人有${d}病史`, `张某罹患${d}多年`, `该人被诊断出${d}`);
  }
  for (const b of ['A', 'B', 'O', 'AB']) out.push(`当事人血型${b}`, `血型为${b}型`, `${b}型血`, `李某，${b}型血，Rh阴性`);
  for (const r of RELIGIONS) out.push(`当事人信仰${r}`, `当事人系${r}徒`, `王某信仰为${r}，定期参加活动`);
  out.push(
    '当事人患有糖尿病，血型A',
    '经基因检测结果显示其携带致病基因',
    '已采集当事人指纹信息',
    '当事人系HIV携带者',
    '当事人怀孕七个月，暂缓执行',
    '当事人有精神疾病史',
    '当事人身体状况不佳',
    '家族病史：高血压',
    '其宗教信仰为伊斯兰教',
    '当事人受洗成为基督徒',
    '穆斯林，不食猪肉',
    'DNA鉴定结果已附后',
  );
  return out;
}

/** Credit text that speaks of diseases, religion, genes or fingerprints without disclosing anyone's. */
const ABOUT_ORGANISATIONS_AND_LAWS = [
  '违反了《中华人民共和国传染病防治法》第三十九条的规定',
  '未按规定报告传染病疫情',
  '厦门市疾病预防控制中心',
  '医疗机构超范围执业开展诊疗活动',
  '收购、贩卖病死畜禽',
  '未按规定落实职业病防治措施',
  '宗教活动场所未经批准改建',
  '转基因作物种子未取得安全证书',
  '电子签章证书指纹不一致',
  '销售不合格指纹锁',
  '使用指纹考勤设备记录考勤',
  '违反《中华人民共和国精神卫生法》',
  '未对从业人员进行健康检查',
  '农药残留超标，造成农作物病虫害防治不当',
  '药店销售处方药未凭处方',
  '医院未按规定处置医疗废物',
  '违反《艾滋病防治条例》',
  '当事人信用良好，诚实守信',
];

describe('screenFreeText (第十五条第一款 in free text: religion, genes, fingerprints, blood type, health)', () => {
  it.each(disclosures())('holds “%s”', (text) => {
    expect(screenFreeText(text)).not.toEqual([]);
  });

  it.each(ABOUT_ORGANISATIONS_AND_LAWS)('leaves “%s” alone: it is about an organisation, a law or a duty', (text) => {
    expect(screenFreeText(text)).toEqual([]);
  });

  it('names every category a text discloses, with the words as written', () => {
    expect(screenFreeText('当事人患有糖尿病，血型A')).toEqual([
      { category: 'health', matched: '患有糖尿病' },
      { category: 'blood_type', matched: '血型A' },
    ]);
  });

  it('flags at most 0.5 % of the clean credit text of the garbled-text corpus (docs/GARBLED-TEXT.md)', () => {
    const corpus = fromTsv(readFileSync(resolve(__dirname, '../../../test/fixtures/garbled-text/corpus.tsv'), 'utf8'));
    const clean = corpus.filter((e) => e.label === 'clean');
    const flagged = clean.filter((e) => screenFreeText(e.text).length > 0).map((e) => e.text);
    expect(flagged.length / clean.length).toBeLessThanOrEqual(0.005);
  });
});
