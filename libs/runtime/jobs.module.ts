import { Module } from '@nestjs/common';
import { RecordRepository } from '../persistence/record.repository';
import { HUB_JOBS, HubJob } from '../pipeline/jobs/hub-job';
import { PublicationExpiryJob } from '../pipeline/jobs/publication-expiry.job';
import { DatabaseModule } from './database.module';
import { CatalogModule } from './catalog.module';
import { ComplianceModule } from './compliance.module';
import { Catalog } from '../../catalog/catalog';
import { KeyAttentionRepository } from '../persistence/key-attention.repository';
import { SupplierComplianceService } from '../pipeline/compliance/supplier-compliance.service';
import { KeyAttentionEscalationJob } from '../pipeline/jobs/key-attention-escalation.job';
import { SupplierComplianceJob } from '../pipeline/jobs/supplier-compliance.job';
import { ObjectionRepository } from '../persistence/objection.repository';
import { NonDisclosureRepository } from '../persistence/non-disclosure.repository';
import { ObjectionDeadlinesJob } from '../pipeline/jobs/objection-deadlines.job';
import { NonDisclosureJob } from '../pipeline/jobs/non-disclosure.job';
import { CLOCK, Clock, HUB_CONFIG } from './tokens';
import { HubConfig } from '../config/hub-config';
import { OutboxRepository } from '../persistence/outbox.repository';
import { DEFAULT_NOTIFICATION_DELIVERY, NotificationDeliveryJob } from '../pipeline/jobs/notification-delivery.job';
import { WebhookNotificationChannel } from '../pipeline/notifications/webhook-channel';
import { EgressGuard } from '../security/egress-policy';

/**
 * The list of time-driven jobs, shared by the scheduler (runs them on their schedules) and the
 * API (an operator runs one now). A new job: a class implementing HubJob, added to this list.
 */
@Module({
  imports: [DatabaseModule, CatalogModule, ComplianceModule],
  providers: [
    {
      provide: HUB_JOBS,
      inject: [
        RecordRepository,
        CLOCK,
        KeyAttentionRepository,
        SupplierComplianceService,
        Catalog,
        ObjectionRepository,
        NonDisclosureRepository,
        OutboxRepository,
        HUB_CONFIG,
      ],
      useFactory: (
        records: RecordRepository,
        clock: Clock,
        keyAttention: KeyAttentionRepository,
        compliance: SupplierComplianceService,
        catalog: Catalog,
        objections: ObjectionRepository,
        nonDisclosures: NonDisclosureRepository,
        outbox: OutboxRepository,
        config: HubConfig,
      ): HubJob[] => [
        new PublicationExpiryJob(records, clock),
        new KeyAttentionEscalationJob(keyAttention, clock),
        new SupplierComplianceJob(compliance),
        new ObjectionDeadlinesJob(objections, catalog, clock),
        new NonDisclosureJob(nonDisclosures, catalog, clock),
        // Without a configured channel the notices stay in the outbox (GET /api/v1/admin/notifications).
        ...(config.notificationWebhook
          ? [
              new NotificationDeliveryJob(outbox, new WebhookNotificationChannel(config.notificationWebhook, clock, new EgressGuard(config.egress)), clock, {
                ...DEFAULT_NOTIFICATION_DELIVERY,
                leaseSeconds: Math.ceil(config.notificationWebhook.timeoutMs / 1000) + 60,
              }),
            ]
          : []),
      ],
    },
  ],
  exports: [HUB_JOBS],
})
export class JobsModule {}
