/** Upstream sync: public API of src/sync. */
export { syncFeature, createSyncFeature, upstreamHealth } from './feature.js';
export {
  registerCommand,
  commandsOf,
  CommandRegistry,
  type CommandHandler,
  type CommandRequest,
  type ApproveCommandArgs,
  type LockCommandArgs,
} from './commands.js';
export { Upstream, redactUrl, type UpstreamHealth } from './outbox.js';
export * from './protocol.js';
