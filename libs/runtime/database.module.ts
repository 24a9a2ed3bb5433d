import { Module } from '@nestjs/common';
import { HubConfig } from '../config/hub-config';
import { BatchRepository } from '../persistence/batch.repository';
import { ConnectorRepository } from '../persistence/connector.repository';
import { CatalogVersionRepository } from '../persistence/catalog-version.repository';
import { MappingRepository } from '../persistence/mapping.repository';
import { SubjectRegistryRepository } from '../persistence/subject-registry.repository';
import { CalendarRepository } from '../persistence/calendar.repository';
import { BusMessageRepository } from '../persistence/bus-message.repository';
import { DeadLetterRepository } from '../persistence/dead-letter.repository';
import { OutboxRepository } from '../persistence/outbox.repository';
import { HealthRepository } from '../persistence/health.repository';
import { HubDatabase } from '../persistence/hub-database';
import { RecordRepository } from '../persistence/record.repository';
import { SubjectQueryRepository } from '../persistence/subject-query.repository';
import { QueryAccountRepository } from '../persistence/query-account.repository';
import { AuthorizationRepository } from '../persistence/authorization.repository';
import { SupplierRepository } from '../persistence/supplier.repository';
import { KeyAttentionRepository } from '../persistence/key-attention.repository';
import { SupplierComplianceRepository } from '../persistence/supplier-compliance.repository';
import { ObjectionRepository } from '../persistence/objection.repository';
import { RepairRepository } from '../persistence/repair.repository';
import { NonDisclosureRepository } from '../persistence/non-disclosure.repository';
import { HUB_CONFIG } from './tokens';

const repositories = [
  BatchRepository,
  ConnectorRepository,
  CatalogVersionRepository,
  MappingRepository,
  SubjectRegistryRepository,
  BusMessageRepository,
  DeadLetterRepository,
  CalendarRepository,
  HealthRepository,
  OutboxRepository,
  RecordRepository,
  SubjectQueryRepository,
  SupplierRepository,
  QueryAccountRepository,
  AuthorizationRepository,
  KeyAttentionRepository,
  SupplierComplianceRepository,
  ObjectionRepository,
  RepairRepository,
  NonDisclosureRepository,
];

/** Opens the repository database and applies the migrations before anything else starts. */
@Module({
  providers: [
    {
      provide: HubDatabase,
      inject: [HUB_CONFIG],
      useFactory: async (config: HubConfig) => {
        const db = await HubDatabase.open(config);
        await db.migrate();
        return db;
      },
    },
    ...repositories.map((Repository) => ({
      provide: Repository,
      inject: [HubDatabase],
      useFactory: (db: HubDatabase) => new Repository(db),
    })),
  ],
  exports: [HubDatabase, ...repositories],
})
export class DatabaseModule {}
