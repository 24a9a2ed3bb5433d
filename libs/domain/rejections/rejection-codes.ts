/**
 * The rejection catalogue: every reason the hub sends a record back to its supplier (R14).
 * One entry per stable machine code; the Chinese message is what suppliers read.
 */
export interface RejectionDefinition {
  readonly zh: string;
  readonly en: string;
  readonly basis: string;
  readonly hint: string;
}

export const REJECTION_CODES = {
  REQUIRED_FIELD: {
    zh: '必填字段缺失',
    en: 'A required field is missing or empty',
    basis: '第九条 公共信用信息目录（数据格式）',
    hint: '按目录补齐该字段后重新报送',
  },
  INVALID_FORMAT: {
    zh: '字段格式不符合目录要求',
    en: 'The field does not match the format required by the catalog',
    basis: '第九条 公共信用信息目录（数据格式）',
    hint: '按目录规定的格式填写该字段',
  },
  INVALID_DATE: {
    zh: '日期无效或不合理',
    en: 'The date is not a real calendar date in YYYY-MM-DD form, or cannot be true (before 1949-10-01, or out of order with another date of the record)',
    basis: '第九条 公共信用信息目录（数据格式）',
    hint: '使用 YYYY-MM-DD 格式的真实日期，并核对与记录中其他日期的先后顺序',
  },
  FUTURE_DATE: {
    zh: '日期晚于当前日期',
    en: 'The date lies in the future',
    basis: '第九条 公共信用信息目录（数据格式）',
    hint: '核对日期：决定、告知等已发生事项的日期不能晚于报送日',
  },
  UNKNOWN_CODE_VALUE: {
    zh: '代码值不在目录规定的代码表中',
    en: 'The value is not in the code list of the catalog',
    basis: '第九条 公共信用信息目录（数据格式）',
    hint: '使用目录代码表中的取值',
  },
  USCC_FORMAT: {
    zh: '统一社会信用代码格式错误',
    en: 'The unified social credit code is not 18 characters of the GB 32100 alphabet',
    basis: '第六条 统一社会信用代码（GB 32100-2015）',
    hint: '统一社会信用代码为18位，不含 I、O、Z、S、V',
  },
  USCC_CHECKSUM: {
    zh: '统一社会信用代码校验位错误',
    en: 'The check character of the unified social credit code is wrong',
    basis: '第六条 统一社会信用代码（GB 32100-2015）',
    hint: '核对统一社会信用代码，常见原因为录入错误',
  },
  ORG_CODE_CHECKSUM: {
    zh: '组织机构代码校验位错误',
    en: 'The organisation code (characters 9-17) fails its GB 11714 check',
    basis: '第六条 组织机构代码（GB 11714-1997）',
    hint: '核对统一社会信用代码第9至17位',
  },
  CITIZEN_ID_FORMAT: {
    zh: '公民身份号码格式错误',
    en: 'The citizen identity number is not 18 characters (or a legacy 15-digit number)',
    basis: '第六条 公民身份号码（GB 11643-1999）',
    hint: '公民身份号码为18位，最后一位可为 X',
  },
  CITIZEN_ID_CHECKSUM: {
    zh: '公民身份号码校验码错误',
    en: 'The check character of the citizen identity number is wrong',
    basis: '第六条 公民身份号码（GB 11643-1999）',
    hint: '核对公民身份号码，常见原因为录入错误',
  },
  CITIZEN_ID_BIRTHDATE: {
    zh: '公民身份号码中的出生日期无效',
    en: 'The birth date inside the citizen identity number is not a real past date',
    basis: '第六条 公民身份号码（GB 11643-1999）',
    hint: '核对公民身份号码第7至14位出生日期',
  },
  SUBJECT_UNRESOLVED: {
    zh: '无法确定信用主体的统一社会信用代码',
    en: 'The credit subject could not be resolved to a social credit code',
    basis: '第六条 以统一社会信用代码为唯一标识',
    hint: '提供统一社会信用代码或公民身份号码',
  },
  PROHIBITED_FIELD: {
    zh: '含有禁止采集的信息',
    en: 'The record carries information the measures forbid collecting',
    basis: '第十五条 禁止采集宗教信仰、基因、指纹、血型、疾病和病史等信息',
    hint: '删除该字段后重新报送',
  },
  CONSENT_REQUIRED: {
    zh: '采集该信息需信用主体书面同意',
    en: 'The field may only be collected with the subject’s recorded written consent',
    basis: '第十五条 收入、存款、有价证券、商业保险、不动产和纳税数额等信息',
    hint: '提供信用主体书面同意的凭证编号，或删除该字段',
  },
  NOTICE_MISSING: {
    zh: '失信信息缺少告知证明',
    en: 'Bad information must carry the date and method of notice to the subject',
    basis: '第十三条 报送失信信息前应告知信用主体',
    hint: '补充告知日期（notified_on）和告知方式（notice_method）',
  },
  MAPPING_ERROR: {
    zh: '映射规则无法处理该记录',
    en: 'The mapping could not be applied to this record',
    basis: '第十四条 不符合目录要求的数据退回',
    hint: '核对字段名称与映射配置',
  },
  SPREADSHEET_DAMAGE: {
    zh: '代码疑似被电子表格软件破坏（科学计数法或精度丢失）',
    en: 'The identifier looks damaged by a spreadsheet (scientific notation or lost digits)',
    basis: '第六条 统一社会信用代码 / 公民身份号码',
    hint: '将该列设为文本格式后重新导出',
  },
  INVALID_TEXT: {
    zh: '字段含有无法存储的字符（空字符、孤立代理项或其他控制字符）',
    en: 'The field holds characters that cannot be stored: NUL, a lone UTF-16 surrogate or another forbidden control character',
    basis: '第九条 公共信用信息目录（数据格式）',
    hint: '删除该字段中的空字符和不可见控制字符，使用合法的 UTF-8 文本后重新报送',
  },
  RECORD_TOO_LARGE: {
    zh: '记录超出大小、字段数或嵌套层数上限',
    en: 'The record exceeds the size, field-count or nesting limit of one record',
    basis: '第九条 公共信用信息目录（数据格式）',
    hint: '只报送目录规定的字段，单条记录不超过上限；附件类内容请勿放入记录',
  },
  ENCODING_MISMATCH: {
    zh: '该行的字节不符合声明的字符编码',
    en: 'The bytes of this row are not valid in the declared character set',
    basis: '第九条 公共信用信息目录（数据格式）',
    hint: '按声明的字符集（UTF-8 或 GBK）重新导出该行，或在 Content-Type 中声明实际使用的字符集',
  },
  LOAD_FAILED: {
    zh: '记录多次尝试后仍无法入库',
    en: 'The record could not be stored after retries; the reason is given',
    basis: '第十四条 不符合目录要求的数据退回',
    hint: '记录已退回，可按原因修正后重新报送；如原因不明请联系信用中心',
  },
  GARBLED_TEXT: {
    zh: '字段内容为乱码（字符集错误或字符已丢失）',
    en: 'The field holds garbled text: bytes decoded with the wrong character set, or characters lost to replacement characters or question marks',
    basis: '第十四条 不符合目录要求的数据退回',
    hint: '核对导出文件的字符集（UTF-8 或 GBK）与报送时声明的是否一致，修正后重新报送；value 中“疑为”之后是可能的原文',
  },
} as const satisfies Record<string, RejectionDefinition>;

export type RejectionCode = keyof typeof REJECTION_CODES;

/** One reason a record was sent back; `value` is already masked when it is personal. */
export interface Rejection {
  readonly field: string;
  readonly code: RejectionCode;
  readonly value?: string;
}
