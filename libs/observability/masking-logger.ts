import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { maskPersonalIdsInText } from '../domain/identity';

const LEVELS: Record<string, LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** Nest's console logger with every citizen ID and social credit code masked before it is written. */
export class MaskingLogger extends ConsoleLogger {
  constructor(level: string) {
    super({ logLevels: LEVELS[level] ?? LEVELS.log, timestamp: true });
  }

  protected override formatMessage(...args: Parameters<ConsoleLogger['formatMessage']>): string {
    return maskPersonalIdsInText(super.formatMessage(...args));
  }
}
