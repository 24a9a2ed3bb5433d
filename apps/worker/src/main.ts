import 'reflect-metadata';
import { installProcessErrorHandlers, reportStartFailure } from '../../../libs/observability/masking-logger';
import { bootHub } from '../../hub/src/boot';

// Unhandled errors go through the masking logger, never raw to stderr (personal IDs masked).
installProcessErrorHandlers();

bootHub({ roles: ['worker'] }).catch(reportStartFailure);
