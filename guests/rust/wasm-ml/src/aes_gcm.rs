//! AES-256 (FIPS 197) and GCM (NIST SP 800-38D, 96-bit IVs only) without crates, for the encrypted data sets
//! that `tee-wasm kbs encrypt` writes: `12-byte nonce ‖ ciphertext ‖ 16-byte tag`, no associated data.
//!
//! Small and plain rather than fast (byte-wise rounds, bit-serial GHASH): the data sets are tens of kilobytes.
//! Not hardened against cache-timing side channels (table S-box); the tag comparison is constant-time.

/// The AES S-box, computed once (multiplicative inverse in GF(2^8) followed by the affine map).
fn sbox() -> [u8; 256] {
    let mut s = [0u8; 256];
    let (mut p, mut q) = (1u8, 1u8);
    loop {
        // p *= 3, q /= 3 (so q = p^-1)
        p = p ^ (p << 1) ^ if p & 0x80 != 0 { 0x1b } else { 0 };
        q ^= q << 1;
        q ^= q << 2;
        q ^= q << 4;
        if q & 0x80 != 0 {
            q ^= 0x09;
        }
        s[p as usize] = q ^ q.rotate_left(1) ^ q.rotate_left(2) ^ q.rotate_left(3) ^ q.rotate_left(4) ^ 0x63;
        if p == 1 {
            break;
        }
    }
    s[0] = 0x63;
    s
}

fn xtime(b: u8) -> u8 {
    (b << 1) ^ if b & 0x80 != 0 { 0x1b } else { 0 }
}

/// AES-256 encryption (the only direction CTR/GCM needs).
pub struct Aes256 {
    round_keys: [[u8; 16]; 15],
    sbox: [u8; 256],
}

impl Aes256 {
    pub fn new(key: &[u8; 32]) -> Aes256 {
        let sbox = sbox();
        let mut w = [[0u8; 4]; 60];
        for (i, word) in w.iter_mut().take(8).enumerate() {
            word.copy_from_slice(&key[4 * i..4 * i + 4]);
        }
        let mut rcon = 1u8;
        for i in 8..60 {
            let mut t = w[i - 1];
            if i % 8 == 0 {
                t = [sbox[t[1] as usize] ^ rcon, sbox[t[2] as usize], sbox[t[3] as usize], sbox[t[0] as usize]];
                rcon = xtime(rcon);
            } else if i % 8 == 4 {
                for b in t.iter_mut() {
                    *b = sbox[*b as usize];
                }
            }
            for j in 0..4 {
                w[i][j] = w[i - 8][j] ^ t[j];
            }
        }
        let mut round_keys = [[0u8; 16]; 15];
        for (r, rk) in round_keys.iter_mut().enumerate() {
            for c in 0..4 {
                rk[4 * c..4 * c + 4].copy_from_slice(&w[4 * r + c]);
            }
        }
        Aes256 { round_keys, sbox }
    }

    /// Encrypts one block (state in column-major order, as FIPS 197 lays out the input bytes).
    pub fn encrypt_block(&self, block: &[u8; 16]) -> [u8; 16] {
        let mut s = *block;
        xor_in(&mut s, &self.round_keys[0]);
        for round in 1..15 {
            for b in s.iter_mut() {
                *b = self.sbox[*b as usize];
            }
            // ShiftRows: row r (bytes r, r+4, r+8, r+12) rotates left by r.
            let t = s;
            for c in 0..4 {
                for r in 0..4 {
                    s[4 * c + r] = t[4 * ((c + r) % 4) + r];
                }
            }
            if round != 14 {
                for c in 0..4 {
                    let a = [s[4 * c], s[4 * c + 1], s[4 * c + 2], s[4 * c + 3]];
                    let all = a[0] ^ a[1] ^ a[2] ^ a[3];
                    for r in 0..4 {
                        s[4 * c + r] = a[r] ^ all ^ xtime(a[r] ^ a[(r + 1) % 4]);
                    }
                }
            }
            xor_in(&mut s, &self.round_keys[round]);
        }
        s
    }
}

fn xor_in(s: &mut [u8; 16], k: &[u8; 16]) {
    for (a, b) in s.iter_mut().zip(k.iter()) {
        *a ^= *b;
    }
}

/// Multiplication in GF(2^128) with GCM's bit order (SP 800-38D, Algorithm 1).
fn gf_mul(x: u128, y: u128) -> u128 {
    const R: u128 = 0xe1 << 120;
    let (mut z, mut v) = (0u128, y);
    for i in 0..128 {
        if (x >> (127 - i)) & 1 == 1 {
            z ^= v;
        }
        v = if v & 1 == 1 { (v >> 1) ^ R } else { v >> 1 };
    }
    z
}

fn ghash(h: u128, aad: &[u8], ct: &[u8]) -> u128 {
    let mut y = 0u128;
    for data in [aad, ct] {
        for chunk in data.chunks(16) {
            let mut b = [0u8; 16];
            b[..chunk.len()].copy_from_slice(chunk);
            y = gf_mul(y ^ u128::from_be_bytes(b), h);
        }
    }
    let lens = ((aad.len() as u128 * 8) << 64) | (ct.len() as u128 * 8);
    gf_mul(y ^ lens, h)
}

/// Counter mode from `counter` (inc32 on the last four bytes), in place.
fn ctr(aes: &Aes256, mut counter: [u8; 16], data: &mut [u8]) {
    for chunk in data.chunks_mut(16) {
        let c = u32::from_be_bytes([counter[12], counter[13], counter[14], counter[15]]).wrapping_add(1);
        counter[12..].copy_from_slice(&c.to_be_bytes());
        let ks = aes.encrypt_block(&counter);
        for (d, k) in chunk.iter_mut().zip(ks.iter()) {
            *d ^= *k;
        }
    }
}

fn setup(key: &[u8; 32], iv: &[u8; 12]) -> (Aes256, u128, [u8; 16]) {
    let aes = Aes256::new(key);
    let h = u128::from_be_bytes(aes.encrypt_block(&[0u8; 16]));
    let mut j0 = [0u8; 16];
    j0[..12].copy_from_slice(iv);
    j0[15] = 1;
    (aes, h, j0)
}

fn tag(aes: &Aes256, h: u128, j0: &[u8; 16], aad: &[u8], ct: &[u8]) -> [u8; 16] {
    (u128::from_be_bytes(aes.encrypt_block(j0)) ^ ghash(h, aad, ct)).to_be_bytes()
}

/// AES-256-GCM encryption: returns `ciphertext ‖ tag`.
pub fn encrypt(key: &[u8; 32], iv: &[u8; 12], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let (aes, h, j0) = setup(key, iv);
    let mut out = plaintext.to_vec();
    ctr(&aes, j0, &mut out);
    let t = tag(&aes, h, &j0, aad, &out);
    out.extend_from_slice(&t);
    out
}

/// AES-256-GCM decryption of `ciphertext ‖ tag`; the tag is checked before anything is decrypted.
pub fn decrypt(key: &[u8; 32], iv: &[u8; 12], aad: &[u8], ct_and_tag: &[u8]) -> Result<Vec<u8>, String> {
    if ct_and_tag.len() < 16 {
        return Err("ciphertext shorter than the 16-byte tag".to_string());
    }
    let (ct, want) = ct_and_tag.split_at(ct_and_tag.len() - 16);
    let (aes, h, j0) = setup(key, iv);
    let got = tag(&aes, h, &j0, aad, ct);
    let diff = got.iter().zip(want.iter()).fold(0u8, |d, (a, b)| d | (a ^ b));
    if diff != 0 {
        return Err("authentication tag mismatch (wrong key, or the file was altered)".to_string());
    }
    let mut out = ct.to_vec();
    ctr(&aes, j0, &mut out);
    Ok(out)
}

/// Opens a `tee-wasm kbs encrypt` file: `12-byte nonce ‖ ciphertext ‖ 16-byte tag`, no associated data.
pub fn open_secret_file(key: &[u8], file: &[u8]) -> Result<Vec<u8>, String> {
    if key.len() != 32 {
        return Err(format!("the data key is {} bytes, expected 32 (AES-256)", key.len()));
    }
    if file.len() < 28 {
        return Err(format!("{} bytes is too short for nonce (12) + tag (16)", file.len()));
    }
    let mut k = [0u8; 32];
    k.copy_from_slice(key);
    let mut iv = [0u8; 12];
    iv.copy_from_slice(&file[..12]);
    decrypt(&k, &iv, &[], &file[12..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }
    fn k32(s: &str) -> [u8; 32] {
        let mut k = [0u8; 32];
        k.copy_from_slice(&hex(s));
        k
    }
    fn iv12(s: &str) -> [u8; 12] {
        let mut k = [0u8; 12];
        k.copy_from_slice(&hex(s));
        k
    }

    #[test]
    fn fips197_aes256_block() {
        let mut key = [0u8; 32];
        for (i, b) in key.iter_mut().enumerate() {
            *b = i as u8;
        }
        let mut pt = [0u8; 16];
        pt.copy_from_slice(&hex("00112233445566778899aabbccddeeff"));
        assert_eq!(Aes256::new(&key).encrypt_block(&pt).to_vec(), hex("8ea2b7ca516745bfeafc49904b496089"));
    }

    const K15: &str = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
    const IV15: &str = "cafebabefacedbaddecaf888";
    const P15: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    const C15: &str = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";

    // The GCM specification's test cases 13-16 (AES-256), as in NIST's GCM validation vectors.
    #[test]
    fn nist_gcm_test_cases_13_to_16() {
        let z = [0u8; 32];
        assert_eq!(encrypt(&z, &[0; 12], &[], &[]), hex("530f8afbc74536b9a963b4f1c4cb738b"));
        assert_eq!(
            encrypt(&z, &[0; 12], &[], &[0; 16]),
            hex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919")
        );
        let (k, iv, p) = (k32(K15), iv12(IV15), hex(P15));
        let mut want = hex(C15);
        want.extend(hex("b094dac5d93471bdec1a502270e3cc6c"));
        assert_eq!(encrypt(&k, &iv, &[], &p), want);
        assert_eq!(decrypt(&k, &iv, &[], &want).unwrap(), p);

        let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        let mut want16 = hex(C15)[..60].to_vec();
        want16.extend(hex("76fc6ece0f4e1768cddf8853bb2d551b"));
        assert_eq!(encrypt(&k, &iv, &aad, &p[..60]), want16);
        assert_eq!(decrypt(&k, &iv, &aad, &want16).unwrap(), p[..60].to_vec());
    }

    #[test]
    fn secret_file_round_trip_and_tampering() {
        let (k, iv) = (k32(K15), iv12(IV15));
        let mut file = iv.to_vec();
        file.extend(encrypt(&k, &iv, &[], b"age,bmi,target\n50,31.2,151\n"));
        assert_eq!(open_secret_file(&k, &file).unwrap(), b"age,bmi,target\n50,31.2,151\n".to_vec());
        for i in [0, 12, file.len() - 1] {
            let mut bad = file.clone();
            bad[i] ^= 1;
            assert!(open_secret_file(&k, &bad).unwrap_err().contains("authentication tag mismatch"));
        }
        let mut wrong = k;
        wrong[0] ^= 0x80;
        assert!(open_secret_file(&wrong, &file).unwrap_err().contains("authentication tag mismatch"));
        assert!(open_secret_file(&k[..16], &file).unwrap_err().contains("expected 32"));
        assert!(open_secret_file(&k, &file[..27]).unwrap_err().contains("too short"));
    }
}
