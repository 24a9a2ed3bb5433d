import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { maskPersonalIdsInText } from '../domain/identity';
import { redactUrlCredentials } from '../security/egress-policy';

const LEVELS: Record<string, LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** What may be written of any text: citizen IDs and social credit codes masked, user:password@ in URLs redacted. */
export function maskForLog(text: string): string {
  return redactUrlCredentials(maskPersonalIdsInText(text));
}

/** Nest's console logger with every citizen ID and social credit code masked (and URL credentials redacted) before it is written. */
export class MaskingLogger extends ConsoleLogger {
  constructor(level: string) {
    super({ logLevels: LEVELS[level] ?? LEVELS.log, timestamp: true });
  }

  protected override formatMessage(...args: Parameters<ConsoleLogger['formatMessage']>): string {
    return maskForLog(super.formatMessage(...args));
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

/**
 * Routes what would otherwise reach stderr raw through the masking logger (issue 11, finding 11):
 * a rejection nobody handled is logged and the process goes on (as before: one stray promise must
 * not stop ingestion); an uncaught exception is logged and ends the process with code 1, as Node
 * would, because its state is no longer known.
 */
export function installProcessErrorHandlers(logger: MaskingLogger = new MaskingLogger('log')): void {
  process.on('unhandledRejection', (reason) => logger.error(`unhandled rejection: ${describeError(reason)}`, undefined, 'Process'));
  process.on('uncaughtException', (error) => {
    logger.error(`uncaught exception: ${describeError(error)}`, undefined, 'Process');
    process.exit(1);
  });
}

/** A start-up failure, masked like every other line the hub writes. */
export function reportStartFailure(error: unknown): never {
  process.stderr.write(`credit-hub failed to start: ${maskForLog(describeError(error))}\n`);
  process.exit(1);
}
