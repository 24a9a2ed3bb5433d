/**
 * 第十五条（归集限制）: field names that may never be collected (第一款) and those collected only with
 * the subject's written consent (第二款). Every canonical field of the real catalog must pass.
 */
import { loadCatalog } from '../../../catalog/catalog';
import {
  CONSENT_ONLY_FIELD_TERMS,
  describeRestrictedField,
  findConsentOnlyFields,
  findProhibitedFields,
  hasConsentReference,
  normalizeFieldName,
  PROHIBITED_FIELD_TERMS,
} from './prohibited-fields';

describe('normalizeFieldName', () => {
  it.each([
    { name: 'blood_type', words: ['blood', 'type'], han: '' },
    { name: 'bloodType', words: ['blood', 'type'], han: '' },
    { name: 'Blood-Type', words: ['blood', 'type'], han: '' },
    { name: 'DNASample', words: ['dna', 'sample'], han: '' },
    { name: 'ｂｌｏｏｄ＿ｔｙｐｅ', words: ['blood', 'type'], han: '' },
    { name: 'tax2023Amount', words: ['tax', '2023', 'amount'], han: '' },
    { name: '血型 (ABO)', words: ['abo'], han: '血型' },
    { name: '宗教_信仰', words: [], han: '宗教信仰' },
  ])('$name → $words / $han', ({ name, words, han }) => {
    expect(normalizeFieldName(name)).toEqual({ words, han });
  });
});

describe('findProhibitedFields — 第十五条第一款 宗教信仰、基因、指纹、血型、疾病和病史', () => {
  it.each([
    // 宗教信仰
    ['宗教'],
    ['宗教信仰'],
    ['信仰'],
    ['religion'],
    ['Religion'],
    ['religious_belief'],
    ['religiousAffiliation'],
    ['faith'],
    ['beliefs'],
    ['religion_code'],
    ['zongjiao_xinyang'],
    // 基因
    ['基因'],
    ['基因检测结果'],
    ['遗传信息'],
    ['遗传病'],
    ['gene'],
    ['genes'],
    ['genetic_info'],
    ['GeneticTestResult'],
    ['dna'],
    ['DNA_SAMPLE_NO'],
    ['genome_data'],
    // 指纹
    ['指纹'],
    ['指纹信息'],
    ['fingerprint'],
    ['fingerprints'],
    ['finger_print'],
    ['fingerprint_image'],
    // 血型
    ['血型'],
    ['血型（ABO）'],
    ['blood_type'],
    ['bloodType'],
    ['bloodtype'],
    ['BLOOD_TYPE'],
    ['blood group'],
    ['blood_group'],
    ['blood-type'],
    ['ｂｌｏｏｄ＿ｔｙｐｅ'],
    // 疾病和病史
    ['疾病'],
    ['疾病名称'],
    ['病史'],
    ['既往病史'],
    ['病历'],
    ['病历号'],
    ['健康状况'],
    ['诊断'],
    ['诊断结果'],
    ['传染病类型'],
    ['艾滋病感染情况'],
    ['HIV_status'],
    ['mental_illness'],
    ['disease'],
    ['diseases'],
    ['chronic_disease'],
    ['illness'],
    ['medical_history'],
    ['medicalHistory'],
    ['medical_record'],
    ['medical_records'],
    ['diagnosis'],
    ['diagnoses'],
    ['health_status'],
    ['healthCondition'],
  ])('%s is refused with PROHIBITED_FIELD', (name) => {
    expect(findProhibitedFields([name])).toEqual([{ field: name, code: 'PROHIBITED_FIELD' }]);
  });

  it.each([
    // the canonical fields of API.md's administrative_penalty
    ['license_no'],
    ['decision_date'],
    ['legal_basis'],
    ['violation_type'],
    ['remarks'],
    ['subject_code'],
    ['legal_representative'],
    // whole words only: no 'gene' in general, no 'dna' in a longer word
    ['general_remarks'],
    ['generation_date'],
    ['agency_name'],
    ['degenerate'],
    // a religious organisation is a credit subject (a social organisation with a USCC), not a belief
    ['religious_organization_code'],
    ['religiousOrganizationName'],
    ['religious_venue_code'],
    ['religion_affairs_bureau'],
    ['宗教团体名称'],
    ['宗教活动场所统一社会信用代码'],
    ['民族宗教事务局'],
    // 诚信 is the measures' own subject
    ['good_faith_commitment'],
    ['bad_faith_registration'],
    // licences and authorities
    ['转基因生物安全证书编号'],
    ['genetic_testing_lab_license'],
    ['基因检测机构许可证号'],
    ['疾病预防控制中心'],
    ['disease_control_center'],
    ['animal_disease_prevention_certificate'],
    ['传染病防治许可'],
    ['medical_institution_license'],
    ['medical_device_registration_no'],
    ['health_certificate_no'],
    ['健康证号'],
    ['medical_insurance'],
    // a hash is not a finger
    ['certificate_fingerprint'],
    ['file_fingerprint'],
    ['数据指纹'],
    // giving blood is good information (无偿献血)
    ['blood_donation_count'],
    ['献血次数'],
  ])('%s is not a prohibited field', (name) => {
    expect(findProhibitedFields([name])).toEqual([]);
  });

  it('reports one rejection per prohibited field, in the order given, each name once', () => {
    expect(findProhibitedFields(['subject_name', '血型', 'religion', 'remarks', '血型'])).toEqual([
      { field: '血型', code: 'PROHIBITED_FIELD' },
      { field: 'religion', code: 'PROHIBITED_FIELD' },
    ]);
  });

  it('accepts every canonical field of the real catalog', () => {
    const names = loadCatalog()
      .all()
      .flatMap((item) => item.fields.map((f) => f.name));
    expect(findProhibitedFields(names)).toEqual([]);
  });
});

describe('findConsentOnlyFields — 第十五条第二款 收入、存款、有价证券、商业保险、不动产、纳税数额', () => {
  it.each([
    // 收入
    ['收入'],
    ['工资收入'],
    ['月收入'],
    ['薪资'],
    ['income'],
    ['annual_income'],
    ['monthlyIncome'],
    ['salary'],
    ['taxable_income'],
    // 存款
    ['存款'],
    ['存款余额'],
    ['储蓄'],
    ['deposit'],
    ['deposits'],
    ['bank_deposit_balance'],
    ['savings'],
    // 有价证券
    ['有价证券'],
    ['股票'],
    ['持有股票市值'],
    ['债券'],
    ['证券账户'],
    ['securities'],
    ['securities_holdings'],
    ['stock'],
    ['stocks'],
    ['stock_holdings'],
    ['bond'],
    ['bonds_held'],
    // 商业保险
    ['商业保险'],
    ['保单号'],
    ['人寿保险'],
    ['insurance_policy'],
    ['insurancePolicyNo'],
    ['commercial_insurance'],
    ['life_insurance'],
    // 不动产
    ['不动产'],
    ['不动产权证号'],
    ['房产'],
    ['房产数量'],
    ['real_estate'],
    ['realEstate'],
    ['property'],
    ['properties_owned'],
    ['property_right_certificate_no'],
    // 纳税数额
    ['纳税额'],
    ['纳税数额'],
    ['缴税金额'],
    ['年度纳税金额'],
    ['tax_paid'],
    ['taxes_paid'],
    ['tax_amount'],
    ['taxAmount'],
  ])('%s needs written consent (CONSENT_REQUIRED without it)', (name) => {
    expect(findConsentOnlyFields([name], undefined)).toEqual([{ field: name, code: 'CONSENT_REQUIRED' }]);
  });

  it.each([
    // 第八条（三）: arrears of tax and wages are bad information to collect, not amounts paid
    ['tax_arrears'],
    ['arrears_amount'],
    ['new_arrears_amount'],
    ['tax_amount_owed'],
    ['unpaid_salary'],
    ['salary_arrears'],
    ['overdue_tax_amount'],
    ['欠税金额'],
    ['欠缴税款金额'],
    ['拖欠工资金额'],
    ['欠薪金额'],
    ['tax_types'],
    // penalties
    ['fine_amount'],
    ['confiscation_amount'],
    ['罚没收入'],
    ['没收入库金额'],
    // social insurance is a public basic item (第八条 社保登记)
    ['social_insurance'],
    ['social_insurance_registration'],
    ['insurance_types'],
    ['insured_status'],
    ['insured_headcount'],
    ['medical_insurance'],
    ['social_insurance_policy'],
    ['社会保险'],
    ['社保缴费状态'],
    // tax credit grades and an enterprise's revenue are not a person's tax or income
    ['纳税信用等级'],
    ['tax_credit_rating'],
    ['营业收入'],
    ['主营业务收入'],
    ['operating_income'],
    ['earnings_per_share'],
    // 工资 alone: 拖欠工资 is bad information
    ['wage'],
    ['工资'],
    // guarantee deposits are paid to the state; the deposit bank is where an account is kept
    ['guarantee_deposit'],
    ['salary_guarantee_deposit'],
    ['deposit_bank'],
    ['wage_deposit'],
    ['security_deposit'],
    ['保证金'],
    // trades, licences and public identifiers
    ['securities_company'],
    ['securities_practitioner_certificate'],
    ['证券从业资格证号'],
    ['stock_code'],
    ['股票代码'],
    ['livestock_license'],
    ['stock_right_pledge_no'],
    ['bonded_warehouse_license'],
    ['bid_bond'],
    ['public_security_bureau'],
    ['intellectual_property_type'],
    ['property_management_qualification'],
    ['property_loss_amount'],
    ['seized_property'],
    ['real_estate_developer_qualification'],
    ['real_estate_agency_license'],
    ['房地产开发资质等级'],
    ['不动产登记机构'],
    ['房产中介许可'],
    ['commercial_insurance_company'],
    ['保险公司'],
    // canonical fields
    ['license_no'],
    ['decision_date'],
    ['legal_basis'],
    ['violation_type'],
    ['remarks'],
  ])('%s is not consent-only', (name) => {
    expect(findConsentOnlyFields([name], undefined)).toEqual([]);
  });

  it.each([
    { consent: 'SQ-2026-00017', why: 'a written-consent reference' },
    { consent: '  授权书〔2026〕17号 ', why: 'a reference with blanks around it' },
    { consent: 20260017, why: 'a numeric reference (from a JSON number)' },
  ])('no rejection when the record carries $why', ({ consent }) => {
    expect(findConsentOnlyFields(['annual_income', 'real_estate'], consent)).toEqual([]);
  });

  it.each([
    { consent: undefined, why: 'absent' },
    { consent: null, why: 'null' },
    { consent: '', why: 'empty' },
    { consent: '   ', why: 'blank' },
    { consent: '无', why: 'the placeholder 无' },
    { consent: 'N/A', why: 'the placeholder N/A' },
    { consent: '－', why: 'a full-width dash' },
    { consent: true, why: 'a bare true: a flag is not a record of written consent' },
    { consent: 0, why: 'zero' },
    { consent: Number.NaN, why: 'NaN' },
    { consent: { id: 'SQ-1' }, why: 'an object' },
  ])('still CONSENT_REQUIRED when the consent reference is $why', ({ consent }) => {
    expect(findConsentOnlyFields(['annual_income'], consent)).toEqual([{ field: 'annual_income', code: 'CONSENT_REQUIRED' }]);
    expect(hasConsentReference(consent)).toBe(false);
  });

  it('leaves prohibited names to findProhibitedFields: no consent makes them collectable', () => {
    expect(findConsentOnlyFields(['medical_insurance_policy_diagnosis', 'income'], undefined)).toEqual([
      { field: 'income', code: 'CONSENT_REQUIRED' },
    ]);
    expect(findProhibitedFields(['medical_insurance_policy_diagnosis'])).toHaveLength(1);
  });

  it('accepts every canonical field of the real catalog', () => {
    const names = loadCatalog()
      .all()
      .flatMap((item) => item.fields.map((f) => f.name));
    expect(findConsentOnlyFields(names, undefined)).toEqual([]);
  });
});

describe('the term lists', () => {
  it('name their article and restriction', () => {
    for (const group of PROHIBITED_FIELD_TERMS) expect([group.kind, group.article]).toEqual(['prohibited', '第十五条第一款']);
    for (const group of CONSENT_ONLY_FIELD_TERMS) expect([group.kind, group.article]).toEqual(['consent_only', '第十五条第二款']);
  });

  it('match their own terms (no term is swallowed by its own exceptions)', () => {
    for (const group of [...PROHIBITED_FIELD_TERMS, ...CONSENT_ONLY_FIELD_TERMS]) {
      for (const term of [...group.zh, ...group.en]) {
        expect({ term, kind: describeRestrictedField(term)?.kind }).toEqual({ term, kind: group.kind });
      }
    }
  });

  it('say which topic matched', () => {
    expect(describeRestrictedField('bloodType')).toEqual({
      kind: 'prohibited',
      article: '第十五条第一款',
      topic: '血型 (blood type)',
      term: 'blood type',
    });
    expect(describeRestrictedField('纳税数额')?.topic).toBe('纳税数额 (amount of tax paid)');
  });
});
