/** The features the gateway runs, in start order (stopped in reverse). */
import type { Feature } from './feature.js';
import { webFeature } from '../api/web.js';
import { adminFeature } from '../api/admin.js';
import { liftFeature } from '../lift/feature.js';
import { sealFeature } from '../seal/feature.js';
import { syncFeature } from '../sync/feature.js';

// sync stays LAST: it starts once every other feature has registered its remote commands, and stops first.
export const FEATURES: Feature[] = [webFeature, adminFeature, sealFeature, liftFeature, syncFeature];
