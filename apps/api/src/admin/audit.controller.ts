import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditChainRepository } from '../../../../libs/persistence/audit/audit-chain.repository';
import { OperatorGuard } from '../auth.guards';

@ApiTags('admin')
@ApiBearerAuth('operatorToken')
@UseGuards(OperatorGuard)
@Controller('api/v1/admin/audit')
export class AuditController {
  constructor(private readonly chains: AuditChainRepository) {}

  @Get('verify')
  @ApiOperation({ summary: '校验查询日志与归集日志的哈希链', description: '返回每张日志表是否完整；不完整时指出第一条断链记录。' })
  async verify() {
    return {
      queryLog: await this.chains.verifyChain('query_log'),
      collectionLog: await this.chains.verifyChain('collection_log'),
    };
  }
}
