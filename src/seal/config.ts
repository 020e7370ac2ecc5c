/** Settings of the seal feature (section `seal` of the config file). */
import { Type } from '@sinclair/typebox';

export const SealConfigSchema = Type.Object({}, { default: {}, additionalProperties: false });
