import { Logger } from '@nestjs/common';
import type { Catalog } from '../../../catalog/catalog';
import type { CatalogItem } from '../../../catalog/catalog-item.schema';
import { addDays, CalendarHorizonError, type WorkingDayCalendar } from '../../domain/calendar';
import {
  assessDeliveries,
  type ComplianceSummary,
  type Frequency,
  type PeriodOutcome,
  summarizeCompliance,
} from '../../domain/compliance';
import { chinaCalendarDate } from '../../domain/identity/citizen-id';
import type { OutboxNotice, OutboxRepository } from '../../persistence/outbox.repository';
import type { ObligedSupplier, SupplierComplianceRepository } from '../../persistence/supplier-compliance.repository';
import type { Clock } from '../../runtime/tokens';
import type { WorkingDayCalendarService } from '../calendar/working-day-calendar.service';

export const SUPPLIER_REMINDER_TOPIC = 'supplier.reminder';
/** How far back the daily job looks for overdue periods (longer than any catalog deadline). */
export const REMINDER_LOOKBACK_DAYS = 92;
/** Longest scorecard range. */
export const SCORECARD_MAX_DAYS = 366;
export const SCORECARD_DEFAULT_DAYS = 30;

const FREQUENCY_LABELS: Readonly<Record<Frequency, string>> = {
  realtime: '实时',
  daily: '每日',
  weekly: '每周',
  monthly: '每月',
  quarterly: '每季度',
  yearly: '每年',
};

export class ComplianceError extends Error {
  constructor(
    readonly code: 'SUPPLIER_NOT_FOUND' | 'INVALID_REQUEST',
    message: string,
  ) {
    super(message);
  }
}

export interface ItemScore extends ComplianceSummary {
  readonly item: string;
  readonly name: string;
  readonly frequency: Frequency;
  readonly deadlineWorkingDays: number;
  readonly received: number;
  readonly rejected: number;
}

export interface SupplierScorecard {
  readonly supplier: string;
  readonly supplierName: string;
  readonly period: { readonly from: string; readonly to: string };
  /** Deliveries are owed from the supplier's registration on. */
  readonly registeredOn: string;
  readonly items: ItemScore[];
  readonly received: number;
  readonly rejected: number;
  /** rejected / received, 4 decimals; null when nothing was received. */
  readonly rejectionRate: number | null;
  readonly objections: { readonly total: number; readonly upheld: number };
  /** 催报 notices written to the supplier in the period. */
  readonly reminders: number;
}

/**
 * 第三十二条: which deliveries each supplier owes by the catalog's 归集频率 (libs/domain/compliance),
 * the 催报 of overdue ones through the notification outbox, and the supplier's scorecard.
 */
export class SupplierComplianceService {
  private readonly log = new Logger('SupplierComplianceService');

  constructor(
    private readonly repository: SupplierComplianceRepository,
    private readonly outbox: OutboxRepository,
    private readonly catalog: Catalog,
    private readonly calendars: WorkingDayCalendarService,
    private readonly clock: Clock,
  ) {}

  /**
   * One 催报 notice per overdue (supplier, item, period) among the periods of the last
   * REMINDER_LOOKBACK_DAYS days; the dedupe key makes a period reminded once, however often this runs.
   */
  async remindOverdue(): Promise<{ overdue: number; reminded: number; undetermined: number }> {
    const now = this.clock();
    const today = chinaCalendarDate(now);
    const since = addDays(today, -REMINDER_LOOKBACK_DAYS);
    const calendar = await this.calendars.current();
    const delivered = await this.repository.deliveryDates(since);
    let overdue = 0;
    let reminded = 0;
    let undetermined = 0;
    for (const supplier of await this.repository.suppliers()) {
      const notices: OutboxNotice[] = [];
      for (const item of this.itemsOf(supplier)) {
        const from = supplier.registeredOn > since ? supplier.registeredOn : since;
        let outcomes: PeriodOutcome[];
        try {
          outcomes = this.assess(item, delivered.get(supplier.id)?.get(item.code) ?? [], from, today, today, calendar);
        } catch (error) {
          if (!(error instanceof CalendarHorizonError)) throw error;
          undetermined += 1;
          this.log.warn(`compliance of ${supplier.code}/${item.code} not judged: ${error.message}`);
          continue;
        }
        for (const outcome of outcomes.filter((o) => o.status === 'missing')) notices.push(reminder(supplier, item, outcome, now));
      }
      overdue += notices.length;
      reminded += await this.outbox.enqueue(notices);
    }
    return { overdue, reminded, undetermined };
  }

  /** The supplier's scorecard for China dates [from, to] (defaults: the 30 days ending today). */
  async scorecard(code: string, range: { readonly from?: string; readonly to?: string }): Promise<SupplierScorecard> {
    const today = chinaCalendarDate(this.clock());
    const to = range.to ?? today;
    const from = range.from ?? addDays(to, -(SCORECARD_DEFAULT_DAYS - 1));
    if (from > to) throw new ComplianceError('INVALID_REQUEST', '起始日期不能晚于结束日期');
    if (addDays(from, SCORECARD_MAX_DAYS - 1) < to) throw new ComplianceError('INVALID_REQUEST', `统计区间最长 ${SCORECARD_MAX_DAYS} 天`);
    const supplier = await this.repository.findSupplier(code);
    if (!supplier) throw new ComplianceError('SUPPLIER_NOT_FOUND', `没有代码为 ${code} 的信息提供单位`);

    const owedFrom = supplier.registeredOn > from ? supplier.registeredOn : from;
    const [calendar, delivered, intake, objections, reminders] = await Promise.all([
      this.calendars.current(),
      this.repository.deliveryDates(owedFrom, supplier.id),
      this.repository.intake(supplier.id, from, to),
      this.repository.objections(supplier.id, from, to),
      this.repository.remindersSent(supplier.code, SUPPLIER_REMINDER_TOPIC, from, to),
    ]);
    const intakeOf = new Map(intake.map((i) => [i.itemCode, i]));
    const items = this.itemsOf(supplier).map((item): ItemScore => {
      const outcomes = this.assess(item, delivered.get(supplier.id)?.get(item.code) ?? [], owedFrom, to, today, calendar);
      return {
        item: item.code,
        name: item.name,
        frequency: item.collection.frequency,
        deadlineWorkingDays: item.collection.deadlineWorkingDays,
        ...summarizeCompliance(outcomes),
        received: intakeOf.get(item.code)?.received ?? 0,
        rejected: intakeOf.get(item.code)?.rejected ?? 0,
      };
    });
    const received = intake.reduce((sum, i) => sum + i.received, 0);
    const rejected = intake.reduce((sum, i) => sum + i.rejected, 0);
    return {
      supplier: supplier.code,
      supplierName: supplier.name,
      period: { from, to },
      registeredOn: supplier.registeredOn,
      items,
      received,
      rejected,
      rejectionRate: received === 0 ? null : Math.round((rejected / received) * 10_000) / 10_000,
      objections,
      reminders,
    };
  }

  private itemsOf(supplier: ObligedSupplier): CatalogItem[] {
    return supplier.items.flatMap((code) => {
      const item = this.catalog.find(code);
      return item ? [item] : [];
    });
  }

  private assess(
    item: CatalogItem,
    deliveredOn: readonly string[],
    from: string,
    to: string,
    today: string,
    calendar: WorkingDayCalendar,
  ): PeriodOutcome[] {
    if (from > to || from > today) return [];
    return assessDeliveries(item.collection, deliveredOn, { from, to }, today, calendar);
  }
}

function reminder(supplier: ObligedSupplier, item: CatalogItem, outcome: PeriodOutcome, now: Date): OutboxNotice {
  const { period, due } = outcome;
  return {
    recipientKind: 'supplier',
    recipient: supplier.code,
    topic: SUPPLIER_REMINDER_TOPIC,
    message:
      `【催报】${supplier.name}：按公共信用信息目录，“${item.name}”（${item.code}）的归集频率为${FREQUENCY_LABELS[item.collection.frequency]}，` +
      `${period.label}的信息应于 ${due ?? ''} 前报送至市信用平台，至今未收到。依据《厦门市公共信用信息管理办法》第三十二条予以催报，请尽快报送；` +
      '经催报仍不提供的，将根据考核办法给予绩效扣分。',
    payload: {
      article: '第三十二条',
      item: item.code,
      period: { start: period.start, end: period.end, label: period.label },
      due,
    },
    dedupeKey: `${SUPPLIER_REMINDER_TOPIC}:${supplier.code}:${item.code}:${period.start}`,
    createdAt: now,
  };
}
