/** Settings of the lift feature (section `lift` of the config file). */
import { Type } from '@sinclair/typebox';

export const LiftConfigSchema = Type.Object({}, { default: {}, additionalProperties: false });
