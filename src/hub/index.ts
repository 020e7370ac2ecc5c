/** The upstream hub: public API of src/hub. */
export { Hub, startHub, hubDir, checkGatewayKey, type HubOptions } from './hub.js';
export { SqliteHubStore, HUB_DB_FILE } from './sqlite-store.js';
export type { HubStore, GatewayState, HubAlarm, HubRecord, HubReceipt, HubCheckpoint, RecordQuery, AlarmKind } from './store.js';
export { buildHubHttp } from './http.js';
export { exportGateway } from './export.js';
export { startDemoHub, type DemoHub } from './demo.js';
export { loadOrCreateHubKey } from './keys.js';
