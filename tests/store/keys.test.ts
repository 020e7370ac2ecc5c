import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointBody, openCheckpoint, parseCheckpointBody, signCheckpoint } from '../../src/store/checkpoint.js';
import { keyId, loadOrCreateKey, parseVerifierKey, signNote, signerFromSeed, verifyNote } from '../../src/store/keys.js';
import { EMPTY_ROOT } from '../../src/store/merkle.js';
import { tmp } from './helpers.js';

// golang.org/x/mod/sumdb/note reference: PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz
const GO_SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('C2SP signed notes', () => {
  it('reproduces the Go sumdb/note vector byte for byte', () => {
    const signer = signerFromSeed('PeterNeumann', GO_SEED);
    expect(signer.vkey).toBe(GO_VKEY);
    expect(signer.keyId.toString('hex')).toBe('c74f20a3');
    expect(signNote(GO_TEXT, signer)).toBe(GO_NOTE);
    expect(verifyNote(GO_NOTE, GO_VKEY)).toEqual({ ok: true, text: GO_TEXT, keyId: 'c74f20a3' });
  });

  it('says why a note does not verify', () => {
    const altered = verifyNote(GO_NOTE.replace('cryptography', 'cryptographY'), GO_VKEY);
    expect(altered).toMatchObject({ ok: false, reason: expect.stringMatching(/does not verify/) });
    const other = signerFromSeed('PeterNeumann', Buffer.alloc(32, 1));
    expect(verifyNote(GO_NOTE, other.vkey)).toMatchObject({ ok: false, reason: expect.stringMatching(/no signature by PeterNeumann with key id/) });
    expect(verifyNote(GO_TEXT, GO_VKEY)).toMatchObject({ ok: false, reason: expect.stringMatching(/malformed|no blank line/) });
    expect(verifyNote(GO_NOTE, 'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toMatchObject({ ok: false, reason: expect.stringMatching(/key id/) });
    // A second, unknown signer is ignored; ours still verifies.
    const cosigned = GO_NOTE + signNote(GO_TEXT, other).split('\n\n')[1];
    expect(verifyNote(cosigned, GO_VKEY).ok).toBe(true);
  });

  it('parses verifier keys strictly', () => {
    const v = parseVerifierKey(GO_VKEY);
    expect(v.name).toBe('PeterNeumann');
    expect(keyId(v.name, v.pub).toString('hex')).toBe('c74f20a3');
    expect(() => parseVerifierKey('PeterNeumann+c74f20a3')).toThrow();
    expect(() => parseVerifierKey(GO_VKEY.slice(0, -1))).toThrow();
    expect(() => signerFromSeed('bad name', GO_SEED)).toThrow(/spaces/);
  });
});

describe('gateway key file', () => {
  it('is created 0600 in a 0700 directory and reused', () => {
    const dir = tmp();
    const k1 = loadOrCreateKey(dir, 'sealift/gw1');
    const file = join(dir, 'keys', 'gateway.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const k2 = loadOrCreateKey(dir, 'sealift/gw1');
    expect(k2.vkey).toBe(k1.vkey);
    expect(k1.vkey).toMatch(/^sealift\/gw1\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
  });
});

describe('checkpoints', () => {
  it('formats, signs, opens and parses a tlog-checkpoint', () => {
    const signer = signerFromSeed('sealift/gw1', Buffer.alloc(32, 3));
    const root = Buffer.alloc(32, 0xab);
    expect(checkpointBody('sealift/gw1', 5, root.toString('base64'))).toBe(`sealift/gw1\n5\n${root.toString('base64')}\n`);
    const note = signCheckpoint(signer, 5, root);
    const opened = openCheckpoint(note, signer.vkey);
    expect(opened).toMatchObject({ ok: true, origin: 'sealift/gw1', size: 5, root: root.toString('base64') });
    expect(openCheckpoint(note.replace('\n5\n', '\n6\n'), signer.vkey).ok).toBe(false);
    expect(parseCheckpointBody(`o\n0\n${EMPTY_ROOT.toString('base64')}\next\n`).extensions).toEqual(['ext']);
    expect(() => parseCheckpointBody(`o\n05\n${EMPTY_ROOT.toString('base64')}\n`)).toThrow(/bad size/);
    expect(() => parseCheckpointBody('o\n5\nAAAA\n')).toThrow(/32 bytes/);
  });
});
