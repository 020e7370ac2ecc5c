/** Errors with a stable machine code and a human reason; used for rejections that are counted. */
export class Rejection extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'Rejection';
  }
}

/** Exit codes of the command line (DESIGN §5.8). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Storage could not take the input now (journal full, busy, closed, commit failed). Unlike a
 * Rejection, the input was fine: the transport must NOT acknowledge it, so the device retransmits.
 */
export class StorageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}
