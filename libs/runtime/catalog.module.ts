import { Module } from '@nestjs/common';
import { Catalog, loadCatalog } from '../../catalog/catalog';

/** The catalog is read and validated once at start-up; an invalid item stops the boot. */
@Module({
  providers: [{ provide: Catalog, useFactory: () => loadCatalog() }],
  exports: [Catalog],
})
export class CatalogModule {}
