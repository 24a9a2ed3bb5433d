import { Controller, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IngestService, Receipt } from '../../../../libs/pipeline/ingest/ingest.service';
import { AuthenticatedRequest, SupplierGuard } from '../auth.guards';
import { ErrorResponseDto, IngestReceiptDto } from '../api.dto';
import { HubMetrics } from '../../../../libs/observability/metrics';

@ApiTags('ingest')
@ApiBearerAuth('supplierKey')
@Controller('api/v1/ingest')
export class IngestController {
  constructor(
    @Inject(IngestService) private readonly ingest: IngestService,
    private readonly metrics: HubMetrics,
  ) {}

  @Post(':itemCode')
  @HttpCode(202)
  @UseGuards(SupplierGuard)
  @ApiOperation({
    summary: '报送信用信息（REST 推送）',
    description:
      'JSON 数组、NDJSON 或 CSV（utf-8 / gbk），流式读取；全部消息经消息队列确认后返回 202。' +
      '可用 Content-Encoding: gzip 或 deflate 压缩，上限按解压后字节计。\n\n' +
      '上限（运维可配置，默认值）：请求体 INGEST_MAX_BYTES（256 MiB，超出 413 BODY_TOO_LARGE）；' +
      '单条记录 INGEST_MAX_RECORD_BYTES（1 MiB）、字段与数组元素数 INGEST_MAX_FIELDS_PER_RECORD（500）、嵌套层数 INGEST_MAX_DEPTH（32），' +
      '超出者该条记录以 RECORD_TOO_LARGE 拒收，其余记录照常入库；CSV 表头列数 INGEST_MAX_CSV_COLUMNS（1000），超出 400 MALFORMED_BODY。\n\n' +
      'NDJSON 与 CSV 中某行含有不符合声明字符集的字节时，仅该行以 ENCODING_MISMATCH 拒收（value 给出行号和字节偏移）；' +
      'JSON 数组含此类字节时整体 400 ENCODING_MISMATCH（details 给出 byteOffset 和 line）。空请求体 400 EMPTY_BODY。',
  })
  @ApiConsumes('application/json', 'application/x-ndjson', 'text/csv')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '同一报送单位的相同键只接收一次：相同信息项且请求体字节完全相同时返回原批次；信息项或内容不同则 409 IDEMPOTENCY_CONFLICT',
  })
  @ApiResponse({ status: 202, type: IngestReceiptDto })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'MALFORMED_BODY, ENCODING_MISMATCH, EMPTY_BODY' })
  @ApiResponse({ status: 401, type: ErrorResponseDto, description: 'UNAUTHENTICATED' })
  @ApiResponse({ status: 403, type: ErrorResponseDto, description: 'ITEM_NOT_ALLOWED' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'UNKNOWN_ITEM' })
  @ApiResponse({
    status: 409,
    type: ErrorResponseDto,
    description: 'IDEMPOTENCY_CONFLICT（该键已用于另一信息项或不同内容，details[0].batchId 为原批次）、IDEMPOTENCY_IN_PROGRESS（相同键的请求正在处理）',
  })
  @ApiResponse({ status: 413, type: ErrorResponseDto, description: 'BODY_TOO_LARGE' })
  @ApiResponse({ status: 415, type: ErrorResponseDto, description: 'UNSUPPORTED_MEDIA_TYPE (also an unsupported Content-Encoding)' })
  @ApiResponse({ status: 503, type: ErrorResponseDto, description: 'BROKER_UNAVAILABLE' })
  async submit(@Param('itemCode') itemCode: string, @Req() request: AuthenticatedRequest): Promise<IngestReceiptDto> {
    const supplier = request.caller?.kind === 'supplier' ? request.caller.supplier : undefined;
    if (!supplier) throw new Error('SupplierGuard did not run');
    const length = request.headers['content-length'];
    let receipt: Receipt;
    try {
      receipt = await this.ingest.submit({
        supplier,
        itemCode,
        body: request,
        contentType: request.headers['content-type'],
        contentLength: length === undefined ? undefined : Number(length),
        contentEncoding: headerValue(request.headers['content-encoding']),
        idempotencyKey: headerValue(request.headers['idempotency-key']),
        channel: 'rest-push',
      });
    } catch (e) {
      // Refused before the body was read to its end (a bomb, a wide header): the rest is not read,
      // so this connection cannot carry another request.
      if (!request.complete) request.res?.setHeader('Connection', 'close');
      throw e;
    }
    if (!receipt.replayed) this.metrics.recordsReceived.inc({ supplier: supplier.code, item: itemCode }, receipt.received);
    return { batchId: receipt.batchId, received: receipt.received };
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v && v.trim() !== '' ? v.trim().slice(0, 200) : undefined;
}
