/** Settings of the upstream sync (section `upstream` of the config file). */
import { Type } from '@sinclair/typebox';

export const UpstreamConfigSchema = Type.Object({}, { default: {}, additionalProperties: false });
