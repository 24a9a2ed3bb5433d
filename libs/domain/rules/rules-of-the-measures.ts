/**
 * The rules of the measures the hub applies, each a named plain function, with the article it
 * implements. Documentation only (printed in `docs/rejection-codes.md`); the functions are
 * imported from their own modules. Listed in article order.
 */
export interface RuleOfTheMeasures {
  /** The exported function that applies the rule. */
  readonly name: string;
  /** The article (and paragraph) of the measures, e.g. '第十五条第一款'. */
  readonly article: string;
  readonly description: string;
}

export const RULES_OF_THE_MEASURES: readonly RuleOfTheMeasures[] = [
  {
    name: 'checkUscc',
    article: '第六条',
    description:
      'Organisations are keyed by their unified social credit code: 18 characters of the GB 32100-2015 alphabet, a known registering authority and type, a valid mod-31 check character and an embedded GB 11714 organisation code (libs/domain/identity).',
  },
  {
    name: 'checkCitizenId',
    article: '第六条',
    description:
      'Natural persons are keyed by their citizen identity number: GB 11643-1999, MOD 11-2 check character (X allowed), a real past birth date; 15-digit legacy numbers are converted (libs/domain/identity).',
  },
  {
    name: 'classifySubjectCode',
    article: '第六条',
    description:
      'A subject code whose type is not stated is classified as a USCC or a citizen ID, and checked as such (libs/domain/identity).',
  },
  {
    name: 'validateRecord',
    article: '第九条',
    description:
      'A record is checked against its catalog item (required fields, types, code lists, formats) and every problem is reported at once, so the provider fixes it in one round (libs/domain/validation).',
  },
  {
    name: 'checkDatePlausibility',
    article: '第九条',
    description:
      'Dates must be possible: none before 1949-10-01, no event (decision, notice, filing, registration) after today in China, periods in order, and a notice at most 24 months before the decision it announces.',
  },
  {
    name: 'checkNoticeEvidence',
    article: '第十三条',
    description:
      'Bad information is submitted only after the subject was notified in writing or by public notice (unless a law exempts it): every bad record carries notified_on and notice_method.',
  },
  {
    name: 'findGarbledFields',
    article: '第十四条',
    description:
      'Garbled text (乱码) in any text field is returned with GARBLED_TEXT: replacement characters, 锟斤拷, UTF-8 read as GBK, GBK or UTF-8 read as Latin-1/Windows-1252, double encoding, GBK read as UTF-8 and characters lost to question marks; the cause and, when it can be undone, the text probably meant (libs/domain/text/garbled-text.ts; measured in docs/GARBLED-TEXT.md).',
  },
  {
    name: 'findProhibitedFields',
    article: '第十五条第一款',
    description:
      'A field whose name denotes religion or belief, genes, fingerprints, blood type, illness or medical history is never collected: the record is sent back.',
  },
  {
    name: 'findConsentOnlyFields',
    article: '第十五条第二款',
    description:
      'A field whose name denotes income, deposits, securities, commercial insurance, real estate or tax amounts paid is collected only with a reference to the subject’s written consent.',
  },
  {
    name: 'publicationEnd',
    article: '第二十八条',
    description:
      'Bad information is published for a period: severe-dishonesty lists 5 years, key-attention lists 1 year, any bad information at least 3 months; then archived, not deleted (libs/domain/publication).',
  },
];
