/**
 * Device profiles by id (DESIGN §3: one file per device model). Adding a model = adding a file here.
 * `sealift device add ID --profile P` takes these ids.
 */
import { liftKitMqtt } from './lift-kit-mqtt.js';
import { liftModbus } from './lift-modbus.js';
import { sealMqtt } from './seal-mqtt.js';
import { sealSsp1Serial } from './seal-ssp1-serial.js';

export const profiles = {
  'seal-ssp1-serial': sealSsp1Serial,
  'seal-mqtt': sealMqtt,
  'lift-modbus': liftModbus,
  'lift-kit-mqtt': liftKitMqtt,
} as const;

export type ProfileId = keyof typeof profiles;
export type Profile = (typeof profiles)[ProfileId];
export type SealProfile = Extract<Profile, { kind: 'seal' }>;
export type LiftProfile = Extract<Profile, { kind: 'lift' }>;

export const PROFILE_IDS = Object.keys(profiles) as ProfileId[];

export const isProfileId = (id: string): id is ProfileId => Object.hasOwn(profiles, id);

/** The profile with this id; undefined for an unknown id (the caller reports it). */
export function getProfile<K extends ProfileId>(id: K): (typeof profiles)[K];
export function getProfile(id: string): Profile | undefined;
export function getProfile(id: string): Profile | undefined {
  return isProfileId(id) ? profiles[id] : undefined;
}

export { sealSsp1Serial, sealMqtt, liftModbus, liftKitMqtt };
export type { LiftReading, LiftMode, DoorState, LiftDirection, Rejected } from './types.js';
export type { SealEvent, SealSerialEvent, SealCommand } from './seal-ssp1-serial.js';
export type { SealMqttCommand } from './seal-mqtt.js';
export type { KitMessage } from './lift-kit-mqtt.js';
