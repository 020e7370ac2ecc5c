/** Modbus RTU master side of the gateway (DESIGN §5.3). */
export { ModbusBus, defaultTimeoutMs } from './bus.js';
export type { BusStats, MissKind, ModbusBusOptions, ModbusSlaveOptions, SlaveMode, SlaveStats } from './bus.js';
export { PortLink, linkFromPort } from './link.js';
export type { ModbusLink, Parity, ReconnectingPortLike } from './link.js';
