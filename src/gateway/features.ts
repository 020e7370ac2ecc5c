/** The features the gateway runs, in start order (stopped in reverse). */
import type { Feature } from './feature.js';
import { webFeature } from '../api/web.js';
import { adminFeature } from '../api/admin.js';

export const FEATURES: Feature[] = [webFeature, adminFeature];
