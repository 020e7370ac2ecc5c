/** Settings of `sealift hub` (section `hub` of the config file). */
import { Type } from '@sinclair/typebox';

export const HubConfigSchema = Type.Object({}, { default: {}, additionalProperties: false });
