/**
 * 第十五条第一款 in free text: a field NAME is judged by prohibited-fields.ts, but a supplier can
 * still write a person's religion, genes, fingerprints, blood type, illness or medical history into
 * `remarks` or `violation_facts` (`当事人患有糖尿病，血型A`). Such a record is held for review
 * (HELD_FOR_REVIEW), not loaded.
 *
 * The screen looks for statements ABOUT A PERSON, not for the words: penalty facts speak of
 * diseases all the time without disclosing anyone's health (违反《传染病防治法》, 疾病预防控制中心,
 * 未按规定报告传染病疫情, 医疗机构超范围执业), and of religion as organisations (宗教活动场所).
 * So each category is a set of patterns that name a person's condition or belief (患有…, …病史,
 * 确诊为…, 血型为A, A型血, Rh阴性, 信仰…教, …教徒, 基因检测结果, 指纹信息), each with the contexts
 * in which the same words speak of an organisation or a law instead.
 */
export type ScreenedCategory = 'religion' | 'genes' | 'fingerprints' | 'blood_type' | 'health';

export interface FreeTextHit {
  readonly category: ScreenedCategory;
  /** The words that matched, as written. */
  readonly matched: string;
}

interface CategoryPatterns {
  readonly category: ScreenedCategory;
  readonly patterns: readonly RegExp[];
}

const DISEASE = '(?:[\\p{Script=Han}A-Za-z0-9]{0,8}(?:病|症|癌|瘤|炎|综合征|障碍|感染|阳性)|HIV|艾滋|乙肝|丙肝|梅毒|结核|糖尿病|高血压|抑郁|精神分裂)';

const CATEGORIES: readonly CategoryPatterns[] = [
  {
    category: 'health',
    patterns: [
      new RegExp(`(?:患有|患了|罹患|身患|确诊为?|诊断为|被诊断出|查出|检出)${DISEASE}`, 'u'),
      /(?:既往|个人|家族)?病史|既往史|住院(?:治疗|病历)|病历(?:显示|记载)|残疾等级|精神(?:疾病|病人|状况)|心理(?:疾病|问题|治疗)/u,
      /(?:本人|当事人|其|该人|他|她)(?:身体|健康)状况(?:不佳|较差|欠佳|异常)/u,
      /(?:HIV|艾滋病|乙肝|梅毒)(?:病毒)?(?:携带者|阳性|感染者)/u,
      /怀孕|孕期|妊娠|流产/u,
    ],
  },
  {
    category: 'blood_type',
    patterns: [/血型(?:为|是|:|：)?\s*(?:AB|A|B|O|Rh)/u, /(?<![A-Za-z])(?:AB|A|B|O)型血/u, /Rh\s*(?:阴|阳)性/u],
  },
  {
    category: 'religion',
    patterns: [
      /信仰(?:为|是)?(?:佛教|道教|伊斯兰教|基督教|天主教|东正教|宗教|某教)/u,
      /(?:宗教信仰|信教|皈依|受洗)/u,
      /(?:佛教|道教|伊斯兰教|基督教|天主教|东正教)(?:徒|信徒)|(?<![\p{Script=Han}])(?:穆斯林|基督徒)/u,
    ],
  },
  {
    category: 'genes',
    patterns: [/基因(?:检测|测序|信息|数据|序列|型|报告)(?:结果|显示|为)?|遗传(?:病|疾病|信息)|DNA(?:检测|信息|鉴定|样本)/u],
  },
  {
    category: 'fingerprints',
    patterns: [/(?<!(?:数据|文件|数字|证书|内容))指纹(?:信息|数据|图像|采集|录入|比对|样本)?/u],
  },
];

/**
 * Where the same words speak of a law, an authority, an organisation or a public-health duty: a
 * match inside one of these spans is not about a person.
 */
const NOT_ABOUT_A_PERSON: readonly RegExp[] = [
  /《[^》]{0,40}》/gu,
  /(?:疾病预防控制|传染病|职业病|动物疫病|植物病|病虫害|病媒生物|病死畜禽|病害)[\p{Script=Han}]{0,12}/gu,
  /(?:医疗机构|医院|诊所|卫生院|药店|药品|医疗器械|检测机构|宗教活动场所|宗教团体|宗教事务)[\p{Script=Han}]{0,12}/gu,
  /(?:指纹锁|指纹考勤|指纹识别设备)/gu,
];

/** Every category of 第十五条第一款 that `text` discloses about a person (at most one hit per category). */
export function screenFreeText(text: string): FreeTextHit[] {
  if (!/[\p{Script=Han}]/u.test(text)) return [];
  const neutral = NOT_ABOUT_A_PERSON.reduce((t, context) => t.replace(context, (span) => '　'.repeat(span.length)), text);
  const hits: FreeTextHit[] = [];
  for (const { category, patterns } of CATEGORIES) {
    for (const pattern of patterns) {
      const m = pattern.exec(neutral);
      if (m) {
        hits.push({ category, matched: text.slice(m.index, m.index + m[0].length) });
        break;
      }
    }
  }
  return hits;
}
