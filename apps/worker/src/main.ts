import 'reflect-metadata';
import { bootHub } from '../../hub/src/boot';

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}\n`);
});

bootHub({ roles: ['worker'] }).catch((e: unknown) => {
  process.stderr.write(`credit-hub failed to start: ${String((e as Error)?.stack ?? e)}\n`);
  process.exit(1);
});
