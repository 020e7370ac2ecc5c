/** The verifiable journal: public API of src/store. */
export type { AppendInput, Checkpoint, Committed, DevRef, JournalRecord, Projection } from './types.js';
export { openDb, setMaxPageCount, type Db, type OpenDbOptions } from './db.js';
export { appliedMigrations, migrateStore, projectionMigrations, runMigrations, STORE_MIGRATIONS, type Migration } from './migrations.js';
export {
  EMPTY_ROOT,
  Frontier,
  MerkleTree,
  consistencyProof,
  inclusionProof,
  leafHash,
  leafHashAt,
  nodeHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
  type Hash,
  type Leaves,
} from './merkle.js';
export {
  KEY_FILE,
  keyId,
  loadOrCreateKey,
  parseVerifierKey,
  signNote,
  signerFromPrivateKey,
  signerFromSeed,
  verifierKey,
  verifyNote,
  type GatewayKey,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
} from './keys.js';
export {
  checkpointBody,
  checkpointOrigin,
  gwOfOrigin,
  openCheckpoint,
  parseCheckpointBody,
  signCheckpoint,
  type OpenedCheckpoint,
  type ParsedCheckpoint,
} from './checkpoint.js';
export { canonicalJson, RecordError } from './record.js';
export { DB_FILE, Journal, type JournalOpenOptions, type JournalOptions, type JournalStats, type StoredRow } from './journal.js';
export { verifyJournal, type BadRecord, type VerifyOptions, type VerifyResult } from './verify.js';
export {
  BUNDLE_FORMAT,
  beijingTime,
  exportBundle,
  verifyBundle,
  type BundleManifest,
  type BundleProblem,
  type BundleVerifyResult,
  type ExportFilters,
  type ExportOptions,
  type ExportResult,
} from './export.js';
