/**
 * The one Powertools Logger of an execution environment. Service name and level come from
 * POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL, which template.yaml sets per function.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger();
