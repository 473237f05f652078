/** The service name every log line and metric carries (POWERTOOLS_SERVICE_NAME, set by the construct). */
import { POWERTOOLS_SERVICE_NAME } from '../env.ts';

export const serviceName = process.env[POWERTOOLS_SERVICE_NAME] || 'onetime';
