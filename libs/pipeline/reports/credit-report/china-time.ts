import { chinaCalendarDate } from '../../../domain/identity/citizen-id';

/** China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact. */
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

export interface ChinaDateTime {
  /** `YYYY-MM-DD` */
  readonly date: string;
  /** `HH:mm:ss` */
  readonly time: string;
  /** `2026年11月27日 14:05:09`, as printed on the report. */
  readonly text: string;
}

/** The wall-clock reading of `instant` in Asia/Shanghai, whatever the process time zone. */
export function chinaDateTime(instant: Date): ChinaDateTime {
  const date = chinaCalendarDate(instant);
  const time = new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(11, 19);
  const [year, month, day] = date.split('-');
  return { date, time, text: `${year}年${month}月${day}日 ${time}` };
}
