/**
 * Extends a wrapping uint16 frame counter into a monotonic per-boot sequence (serial number
 * arithmetic, RFC 1982 style): each raw seq is placed at the extended value closest to the highest one
 * seen so far, so a jump back by more than 32768 is a wrap (`+65536`) and a late frame from just before
 * a wrap lands in the previous lap. The journal's natural key (device id, boot, seq) then never
 * collides, however long a boot lasts.
 */
export const SEQ_MODULUS = 0x10000;
const HALF = 0x8000;

export class SeqExtender {
  private high: number | undefined;

  /** @param last highest extended seq already known for this boot (e.g. from the journal), if any */
  constructor(last?: number) {
    this.high = last;
  }

  /** Highest extended seq observed so far (undefined before the first frame of the boot). */
  get last(): number | undefined {
    return this.high;
  }

  /** The extended value of `raw` (does not record it). */
  extend(raw: number): number {
    if (this.high === undefined) return raw;
    let diff = raw - (this.high % SEQ_MODULUS);
    if (diff < -HALF) diff += SEQ_MODULUS;
    else if (diff > HALF) diff -= SEQ_MODULUS;
    const ext = this.high + diff;
    return ext < 0 ? raw : ext;
  }

  /** Record an extended seq; returns how many seqs were skipped before it (0 when in order or old). */
  observe(ext: number): number {
    if (this.high === undefined) {
      this.high = ext;
      return 0;
    }
    if (ext <= this.high) return 0;
    const gap = ext - this.high - 1;
    this.high = ext;
    return gap;
  }
}
