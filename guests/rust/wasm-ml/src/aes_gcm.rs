//! AES-256 (FIPS 197) and GCM (NIST SP 800-38D, 96-bit IVs only) without crates, for the encrypted data sets
//! that `tee-wasm kbs encrypt` writes: `12-byte nonce ‖ ciphertext ‖ 16-byte tag`, no associated data.
//!
//! Constant-time: inside a confidential VM the hypervisor can watch the cache, so nothing here indexes memory or
//! branches on the key, the data or anything derived from them.
//! - AES is bitsliced: four blocks at a time as eight 64-bit bit planes, the S-box as the Boyar–Peralta circuit
//!   (113 XOR/AND/XNOR gates, "A depth-16 circuit for the AES S-box", 2011), ShiftRows and MixColumns as fixed
//!   shifts and masks. The key schedule uses the same S-box circuit.
//! - GHASH multiplies in GF(2^128) with a carry-less multiply built from integer multiplications of operands
//!   with 3-bit holes (so no carry reaches a bit that is kept) and Karatsuba, then reduces with fixed shifts.
//!   Integer multiplication is constant-time on the x86-64 CPUs confidential VMs run on.
//! - The tag is compared in constant time and checked before anything is decrypted.

/// Bit planes of four blocks: bit `16 * k + j` of `q[b]` is bit `b` of byte `j` of block `k`. Within a 16-bit
/// lane, byte `j = 4 * c + r` (FIPS 197's column `c`, row `r`) is bit `r` of nibble `c`.
type Planes = [u64; 8];

/// Replicates a 16-bit lane mask over the four lanes.
const fn lanes(m: u16) -> u64 {
    m as u64 * 0x0001_0001_0001_0001
}

/// Transposes the 8x8 bit matrix in `x` (bit `8 * i + j` <-> bit `8 * j + i`).
fn transpose8(mut x: u64) -> u64 {
    let t = (x ^ (x >> 7)) & 0x00aa_00aa_00aa_00aa;
    x ^= t ^ (t << 7);
    let t = (x ^ (x >> 14)) & 0x0000_cccc_0000_cccc;
    x ^= t ^ (t << 14);
    let t = (x ^ (x >> 28)) & 0x0000_0000_f0f0_f0f0;
    x ^ t ^ (t << 28)
}

fn pack(blocks: &[[u8; 16]; 4]) -> Planes {
    let mut q = [0u64; 8];
    for (k, block) in blocks.iter().enumerate() {
        for h in 0..2 {
            let mut half = [0u8; 8];
            half.copy_from_slice(&block[8 * h..8 * h + 8]);
            // Byte b of t: bit b of each of the eight bytes.
            let t = transpose8(u64::from_le_bytes(half));
            for (b, plane) in q.iter_mut().enumerate() {
                *plane |= ((t >> (8 * b)) & 0xff) << (16 * k + 8 * h);
            }
        }
    }
    q
}

fn unpack(q: &Planes) -> [[u8; 16]; 4] {
    let mut blocks = [[0u8; 16]; 4];
    for (k, block) in blocks.iter_mut().enumerate() {
        for h in 0..2 {
            let mut t = 0u64;
            for (b, plane) in q.iter().enumerate() {
                t |= ((plane >> (16 * k + 8 * h)) & 0xff) << (8 * b);
            }
            block[8 * h..8 * h + 8].copy_from_slice(&transpose8(t).to_le_bytes());
        }
    }
    blocks
}

/// SubBytes on all 64 bytes: the Boyar–Peralta circuit (x0 is the most significant bit of a byte).
#[allow(clippy::many_single_char_names)]
fn sub_bytes(q: &mut Planes) {
    let (x0, x1, x2, x3, x4, x5, x6, x7) = (q[7], q[6], q[5], q[4], q[3], q[2], q[1], q[0]);

    // Top linear layer.
    let y14 = x3 ^ x5;
    let y13 = x0 ^ x6;
    let y9 = x0 ^ x3;
    let y8 = x0 ^ x5;
    let t0 = x1 ^ x2;
    let y1 = t0 ^ x7;
    let y4 = y1 ^ x3;
    let y12 = y13 ^ y14;
    let y2 = y1 ^ x0;
    let y5 = y1 ^ x6;
    let y3 = y5 ^ y8;
    let t1 = x4 ^ y12;
    let y15 = t1 ^ x5;
    let y20 = t1 ^ x1;
    let y6 = y15 ^ x7;
    let y10 = y15 ^ t0;
    let y11 = y20 ^ y9;
    let y7 = x7 ^ y11;
    let y17 = y10 ^ y11;
    let y19 = y10 ^ y8;
    let y16 = t0 ^ y11;
    let y21 = y13 ^ y16;
    let y18 = x0 ^ y16;

    // Shared non-linear middle (inversion in GF(2^4)^2).
    let t2 = y12 & y15;
    let t3 = y3 & y6;
    let t4 = t3 ^ t2;
    let t5 = y4 & x7;
    let t6 = t5 ^ t2;
    let t7 = y13 & y16;
    let t8 = y5 & y1;
    let t9 = t8 ^ t7;
    let t10 = y2 & y7;
    let t11 = t10 ^ t7;
    let t12 = y9 & y11;
    let t13 = y14 & y17;
    let t14 = t13 ^ t12;
    let t15 = y8 & y10;
    let t16 = t15 ^ t12;
    let t17 = t4 ^ t14;
    let t18 = t6 ^ t16;
    let t19 = t9 ^ t14;
    let t20 = t11 ^ t16;
    let t21 = t17 ^ y20;
    let t22 = t18 ^ y19;
    let t23 = t19 ^ y21;
    let t24 = t20 ^ y18;
    let t25 = t21 ^ t22;
    let t26 = t21 & t23;
    let t27 = t24 ^ t26;
    let t28 = t25 & t27;
    let t29 = t28 ^ t22;
    let t30 = t23 ^ t24;
    let t31 = t22 ^ t26;
    let t32 = t31 & t30;
    let t33 = t32 ^ t24;
    let t34 = t23 ^ t33;
    let t35 = t27 ^ t33;
    let t36 = t24 & t35;
    let t37 = t36 ^ t34;
    let t38 = t27 ^ t36;
    let t39 = t29 & t38;
    let t40 = t25 ^ t39;
    let t41 = t40 ^ t37;
    let t42 = t29 ^ t33;
    let t43 = t29 ^ t40;
    let t44 = t33 ^ t37;
    let t45 = t42 ^ t41;
    let z0 = t44 & y15;
    let z1 = t37 & y6;
    let z2 = t33 & x7;
    let z3 = t43 & y16;
    let z4 = t40 & y1;
    let z5 = t29 & y7;
    let z6 = t42 & y11;
    let z7 = t45 & y17;
    let z8 = t41 & y10;
    let z9 = t44 & y12;
    let z10 = t37 & y3;
    let z11 = t33 & y4;
    let z12 = t43 & y13;
    let z13 = t40 & y5;
    let z14 = t29 & y2;
    let z15 = t42 & y9;
    let z16 = t45 & y14;
    let z17 = t41 & y8;

    // Bottom linear layer (the affine constant 0x63 is in the three NOTs).
    let t46 = z15 ^ z16;
    let t47 = z10 ^ z11;
    let t48 = z5 ^ z13;
    let t49 = z9 ^ z10;
    let t50 = z2 ^ z12;
    let t51 = z2 ^ z5;
    let t52 = z7 ^ z8;
    let t53 = z0 ^ z3;
    let t54 = z6 ^ z7;
    let t55 = z16 ^ z17;
    let t56 = z12 ^ t48;
    let t57 = t50 ^ t53;
    let t58 = z4 ^ t46;
    let t59 = z3 ^ t54;
    let t60 = t46 ^ t57;
    let t61 = z14 ^ t57;
    let t62 = t52 ^ t58;
    let t63 = t49 ^ t58;
    let t64 = z4 ^ t59;
    let t65 = t61 ^ t62;
    let t66 = z1 ^ t63;
    let s0 = t59 ^ t63;
    let s6 = t56 ^ !t62;
    let s7 = t48 ^ !t60;
    let t67 = t64 ^ t65;
    let s3 = t53 ^ t66;
    let s4 = t51 ^ t66;
    let s5 = t47 ^ t65;
    let s1 = t64 ^ !s3;
    let s2 = t55 ^ !t67;

    *q = [s7, s6, s5, s4, s3, s2, s1, s0];
}

/// ShiftRows: row `r` (bit `r` of every nibble) rotates left by `r` columns (nibbles) within its lane.
fn shift_rows(q: &mut Planes) {
    for x in q.iter_mut() {
        let v = *x;
        *x = (v & lanes(0x1111))
            | ((v >> 4) & lanes(0x0222))
            | ((v << 12) & lanes(0x2000))
            | ((v >> 8) & lanes(0x0044))
            | ((v << 8) & lanes(0x4400))
            | ((v >> 12) & lanes(0x0008))
            | ((v << 4) & lanes(0x8880));
    }
}

/// Within every column (nibble): row `r` takes row `r + 1` (mod 4).
fn rot_rows1(v: u64) -> u64 {
    ((v >> 1) & lanes(0x7777)) | ((v << 3) & lanes(0x8888))
}

/// Within every column: row `r` takes row `r + 2` (mod 4).
fn rot_rows2(v: u64) -> u64 {
    ((v >> 2) & lanes(0x3333)) | ((v << 2) & lanes(0xcccc))
}

/// MixColumns: `out[r] = 2·(a[r] ⊕ a[r+1]) ⊕ a[r+1] ⊕ a[r+2] ⊕ a[r+3]`, with `2·` (xtime) moving planes.
fn mix_columns(q: &mut Planes) {
    let mut r1 = [0u64; 8];
    let mut t = [0u64; 8];
    for b in 0..8 {
        r1[b] = rot_rows1(q[b]);
        t[b] = q[b] ^ r1[b];
    }
    // xtime(t): shift up one plane, the top plane folds into bits 0, 1, 3, 4 (x^8 = x^4 + x^3 + x + 1).
    let xt = [t[7], t[0] ^ t[7], t[1], t[2] ^ t[7], t[3] ^ t[7], t[4], t[5], t[6]];
    for b in 0..8 {
        // rot_rows2(t) = a[r+2] ⊕ a[r+3]
        q[b] = xt[b] ^ r1[b] ^ rot_rows2(t[b]);
    }
}

fn add_round_key(q: &mut Planes, k: &Planes) {
    for (x, k) in q.iter_mut().zip(k.iter()) {
        *x ^= *k;
    }
}

/// AES-256 encryption (the only direction CTR/GCM needs), four blocks at a time.
pub struct Aes256 {
    /// The 15 round keys as bit planes, each replicated into the four lanes.
    round_keys: [Planes; 15],
}

impl Aes256 {
    pub fn new(key: &[u8; 32]) -> Aes256 {
        let mut w = [[0u8; 4]; 60];
        for (i, word) in w.iter_mut().take(8).enumerate() {
            word.copy_from_slice(&key[4 * i..4 * i + 4]);
        }
        let mut rcon = 1u8;
        for i in 8..60 {
            let mut t = w[i - 1];
            if i % 8 == 0 {
                t = sub_word([t[1], t[2], t[3], t[0]]);
                t[0] ^= rcon;
                rcon = (rcon << 1) ^ (0x1b & 0u8.wrapping_sub(rcon >> 7)); // public, but branch-free anyway
            } else if i % 8 == 4 {
                t = sub_word(t);
            }
            for j in 0..4 {
                w[i][j] = w[i - 8][j] ^ t[j];
            }
        }
        let mut round_keys = [[0u64; 8]; 15];
        for (r, rk) in round_keys.iter_mut().enumerate() {
            let mut block = [0u8; 16];
            for c in 0..4 {
                block[4 * c..4 * c + 4].copy_from_slice(&w[4 * r + c]);
            }
            *rk = pack(&[block; 4]);
        }
        for word in w.iter_mut() {
            // SAFETY: a valid, aligned pointer to a local.
            unsafe { core::ptr::write_volatile(word, [0; 4]) };
        }
        Aes256 { round_keys }
    }

    /// Encrypts four blocks in place.
    pub fn encrypt4(&self, blocks: &mut [[u8; 16]; 4]) {
        let mut q = pack(blocks);
        add_round_key(&mut q, &self.round_keys[0]);
        for round in 1..14 {
            sub_bytes(&mut q);
            shift_rows(&mut q);
            mix_columns(&mut q);
            add_round_key(&mut q, &self.round_keys[round]);
        }
        sub_bytes(&mut q);
        shift_rows(&mut q);
        add_round_key(&mut q, &self.round_keys[14]);
        *blocks = unpack(&q);
    }

    /// Encrypts one block (state in column-major order, as FIPS 197 lays out the input bytes).
    pub fn encrypt_block(&self, block: &[u8; 16]) -> [u8; 16] {
        let mut b = [*block, [0; 16], [0; 16], [0; 16]];
        self.encrypt4(&mut b);
        b[0]
    }
}

impl Drop for Aes256 {
    fn drop(&mut self) {
        for rk in self.round_keys.iter_mut() {
            // SAFETY: a valid, aligned pointer into self.
            unsafe { core::ptr::write_volatile(rk, [0; 8]) };
        }
    }
}

/// SubWord of the key schedule, through the same circuit.
fn sub_word(w: [u8; 4]) -> [u8; 4] {
    let mut block = [0u8; 16];
    block[..4].copy_from_slice(&w);
    let mut q = pack(&[block, [0; 16], [0; 16], [0; 16]]);
    sub_bytes(&mut q);
    let out = unpack(&q)[0];
    [out[0], out[1], out[2], out[3]]
}

// ------------------------------------------------------------------------------------------------------------
// GHASH
// ------------------------------------------------------------------------------------------------------------

/// Low 64 bits of the carry-less product `x · y`. The operands are split into four parts with 3-bit holes
/// (bits `≡ i (mod 4)`), so each partial integer product sums at most 15 terms per kept bit below bit 64 and no
/// carry reaches the next kept bit.
fn clmul_lo(x: u64, y: u64) -> u64 {
    const M0: u64 = 0x1111_1111_1111_1111;
    const M1: u64 = M0 << 1;
    const M2: u64 = M0 << 2;
    const M3: u64 = M0 << 3;
    let (x0, x1, x2, x3) = (x & M0, x & M1, x & M2, x & M3);
    let (y0, y1, y2, y3) = (y & M0, y & M1, y & M2, y & M3);
    let m = u64::wrapping_mul;
    let z0 = m(x0, y0) ^ m(x1, y3) ^ m(x2, y2) ^ m(x3, y1);
    let z1 = m(x0, y1) ^ m(x1, y0) ^ m(x2, y3) ^ m(x3, y2);
    let z2 = m(x0, y2) ^ m(x1, y1) ^ m(x2, y0) ^ m(x3, y3);
    let z3 = m(x0, y3) ^ m(x1, y2) ^ m(x2, y1) ^ m(x3, y0);
    (z0 & M0) | (z1 & M1) | (z2 & M2) | (z3 & M3)
}

/// The full 128-bit carry-less product `x · y`; the high half through bit reversal
/// (`rev(x) · rev(y)` holds the product's bits 126..63 reversed).
fn clmul(x: u64, y: u64) -> u128 {
    let lo = clmul_lo(x, y);
    let hi = clmul_lo(x.reverse_bits(), y.reverse_bits()).reverse_bits() >> 1;
    ((hi as u128) << 64) | lo as u128
}

/// `x · y mod x^128 + x^7 + x^2 + x + 1`, both in the ordinary bit order (bit `i` = coefficient of `x^i`).
fn gf_mul(x: u128, y: u128) -> u128 {
    let (x1, x0) = ((x >> 64) as u64, x as u64);
    let (y1, y0) = ((y >> 64) as u64, y as u64);
    // Karatsuba: three 64x64 products.
    let lo = clmul(x0, y0);
    let hi = clmul(x1, y1);
    let mid = clmul(x0 ^ x1, y0 ^ y1) ^ lo ^ hi;
    let d_lo = lo ^ (mid << 64);
    let d_hi = hi ^ (mid >> 64);
    // x^128 = x^7 + x^2 + x + 1: fold the high half in, then the few bits that the fold pushed past x^127.
    let over = (d_hi >> 127) ^ (d_hi >> 126) ^ (d_hi >> 121);
    d_lo ^ d_hi ^ (d_hi << 1) ^ (d_hi << 2) ^ (d_hi << 7) ^ over ^ (over << 1) ^ (over << 2) ^ (over << 7)
}

/// A GCM block as a polynomial: GCM puts the coefficient of `x^0` in the most significant bit of byte 0.
fn to_poly(block: &[u8; 16]) -> u128 {
    u128::from_be_bytes(*block).reverse_bits()
}

fn ghash(h: &[u8; 16], aad: &[u8], ct: &[u8]) -> [u8; 16] {
    let h = to_poly(h);
    let mut y = 0u128;
    for data in [aad, ct] {
        for chunk in data.chunks(16) {
            let mut b = [0u8; 16];
            b[..chunk.len()].copy_from_slice(chunk);
            y = gf_mul(y ^ to_poly(&b), h);
        }
    }
    let mut lens = [0u8; 16];
    lens[..8].copy_from_slice(&(aad.len() as u64 * 8).to_be_bytes());
    lens[8..].copy_from_slice(&(ct.len() as u64 * 8).to_be_bytes());
    y = gf_mul(y ^ to_poly(&lens), h);
    y.reverse_bits().to_be_bytes()
}

/// Counter mode from `inc32(j0)`, in place, four blocks per AES call.
fn ctr(aes: &Aes256, j0: &[u8; 16], data: &mut [u8]) {
    let mut counter = u32::from_be_bytes([j0[12], j0[13], j0[14], j0[15]]);
    for chunk in data.chunks_mut(64) {
        let mut ks = [*j0; 4];
        for block in ks.iter_mut() {
            counter = counter.wrapping_add(1);
            block[12..].copy_from_slice(&counter.to_be_bytes());
        }
        aes.encrypt4(&mut ks);
        for (i, d) in chunk.iter_mut().enumerate() {
            *d ^= ks[i / 16][i % 16];
        }
    }
}

fn setup(key: &[u8; 32], iv: &[u8; 12]) -> (Aes256, [u8; 16], [u8; 16], [u8; 16]) {
    let aes = Aes256::new(key);
    let mut j0 = [0u8; 16];
    j0[..12].copy_from_slice(iv);
    j0[15] = 1;
    // H = E(0) and E(J0) in one call.
    let mut b = [[0u8; 16], j0, [0; 16], [0; 16]];
    aes.encrypt4(&mut b);
    (aes, b[0], j0, b[1])
}

fn tag(h: &[u8; 16], ej0: &[u8; 16], aad: &[u8], ct: &[u8]) -> [u8; 16] {
    let mut t = ghash(h, aad, ct);
    for (t, e) in t.iter_mut().zip(ej0.iter()) {
        *t ^= *e;
    }
    t
}

/// AES-256-GCM encryption: returns `ciphertext ‖ tag`.
pub fn encrypt(key: &[u8; 32], iv: &[u8; 12], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let (aes, h, j0, ej0) = setup(key, iv);
    let mut out = plaintext.to_vec();
    ctr(&aes, &j0, &mut out);
    let t = tag(&h, &ej0, aad, &out);
    out.extend_from_slice(&t);
    out
}

/// AES-256-GCM decryption of `ciphertext ‖ tag`; the tag is checked (in constant time) before anything is decrypted.
pub fn decrypt(key: &[u8; 32], iv: &[u8; 12], aad: &[u8], ct_and_tag: &[u8]) -> Result<Vec<u8>, String> {
    if ct_and_tag.len() < 16 {
        return Err("ciphertext shorter than the 16-byte tag".to_string());
    }
    let (ct, want) = ct_and_tag.split_at(ct_and_tag.len() - 16);
    let (aes, h, j0, ej0) = setup(key, iv);
    let got = tag(&h, &ej0, aad, ct);
    let diff = got.iter().zip(want.iter()).fold(0u8, |d, (a, b)| d | (a ^ b));
    if diff != 0 {
        return Err("authentication tag mismatch (wrong key, or the file was altered)".to_string());
    }
    let mut out = ct.to_vec();
    ctr(&aes, &j0, &mut out);
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
    let r = decrypt(&k, &iv, &[], &file[12..]);
    // SAFETY: a valid, aligned pointer to a local.
    unsafe { core::ptr::write_volatile(&mut k, [0; 32]) };
    r
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

    /// The S-box from its definition (inverse in GF(2^8), then the affine map): the reference for the circuit.
    fn reference_sbox() -> [u8; 256] {
        fn mul(mut a: u8, mut b: u8) -> u8 {
            let mut p = 0u8;
            while b != 0 {
                if b & 1 != 0 {
                    p ^= a;
                }
                a = (a << 1) ^ if a & 0x80 != 0 { 0x1b } else { 0 };
                b >>= 1;
            }
            p
        }
        let mut s = [0u8; 256];
        for (x, out) in s.iter_mut().enumerate() {
            let inv = (1..=255u8).find(|&y| mul(x as u8, y) == 1).unwrap_or(0);
            *out = inv ^ inv.rotate_left(1) ^ inv.rotate_left(2) ^ inv.rotate_left(3) ^ inv.rotate_left(4) ^ 0x63;
        }
        s
    }

    #[test]
    fn circuit_sbox_matches_the_definition_for_all_256_bytes() {
        let want = reference_sbox();
        assert_eq!(&want[..4], &[0x63, 0x7c, 0x77, 0x7b]);
        // 256 bytes = four packs of 64 (four blocks of 16).
        for chunk in 0..4 {
            let mut blocks = [[0u8; 16]; 4];
            for (k, b) in blocks.iter_mut().enumerate() {
                for (j, x) in b.iter_mut().enumerate() {
                    *x = (64 * chunk + 16 * k + j) as u8;
                }
            }
            let mut q = pack(&blocks);
            sub_bytes(&mut q);
            let got = unpack(&q);
            for k in 0..4 {
                for j in 0..16 {
                    let x = 64 * chunk + 16 * k + j;
                    assert_eq!(got[k][j], want[x], "S({:#04x})", x);
                }
            }
        }
    }

    #[test]
    fn pack_unpack_round_trip_and_layout() {
        let mut blocks = [[0u8; 16]; 4];
        for (k, b) in blocks.iter_mut().enumerate() {
            for (j, x) in b.iter_mut().enumerate() {
                *x = (37 * (16 * k + j) + 11) as u8;
            }
        }
        let q = pack(&blocks);
        assert_eq!(unpack(&q), blocks);
        for (b, plane) in q.iter().enumerate() {
            for k in 0..4 {
                for j in 0..16 {
                    assert_eq!((plane >> (16 * k + j)) & 1, ((blocks[k][j] >> b) & 1) as u64);
                }
            }
        }
    }

    #[test]
    fn fips197_aes256_block_in_every_lane() {
        let mut key = [0u8; 32];
        for (i, b) in key.iter_mut().enumerate() {
            *b = i as u8;
        }
        let mut pt = [0u8; 16];
        pt.copy_from_slice(&hex("00112233445566778899aabbccddeeff"));
        let aes = Aes256::new(&key);
        assert_eq!(aes.encrypt_block(&pt).to_vec(), hex("8ea2b7ca516745bfeafc49904b496089"));
        // FIPS 197 C.3's block in each of the four lanes, beside other blocks.
        for lane in 0..4 {
            let mut b = [[0xa5u8; 16]; 4];
            b[lane] = pt;
            aes.encrypt4(&mut b);
            assert_eq!(b[lane].to_vec(), hex("8ea2b7ca516745bfeafc49904b496089"));
        }
    }

    // SP 800-38A F.5.5 (CTR-AES256.Encrypt): the four counter blocks in the four lanes.
    #[test]
    fn sp800_38a_ctr_aes256_keystream() {
        let aes = Aes256::new(&k32("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"));
        let mut b = [[0u8; 16]; 4];
        for (blk, last) in b.iter_mut().zip([[0xfe, 0xff], [0xff, 0x00], [0xff, 0x01], [0xff, 0x02]]) {
            blk.copy_from_slice(&hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"));
            blk[14..].copy_from_slice(&last);
        }
        let pt = hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
        let ct = hex("601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6");
        aes.encrypt4(&mut b);
        for k in 0..4 {
            for j in 0..16 {
                assert_eq!(pt[16 * k + j] ^ b[k][j], ct[16 * k + j], "block {} byte {}", k, j);
            }
        }
    }

    #[test]
    fn gf_mul_matches_the_bitwise_definition() {
        // SP 800-38D Algorithm 1 (GCM bit order), branchy but obviously right: the reference.
        fn reference(x: u128, y: u128) -> u128 {
            let (mut z, mut v) = (0u128, y);
            for i in 0..128 {
                if (x >> (127 - i)) & 1 == 1 {
                    z ^= v;
                }
                v = if v & 1 == 1 { (v >> 1) ^ (0xe1 << 120) } else { v >> 1 };
            }
            z
        }
        let mut s = 0x0123_4567_89ab_cdefu64;
        let mut next = || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let mut cases = vec![(0u128, 0u128), (u128::MAX, u128::MAX), (1 << 127, 1 << 127), (1, u128::MAX), (u128::MAX, 1)];
        for _ in 0..2000 {
            let a = ((next() as u128) << 64) | next() as u128;
            let b = ((next() as u128) << 64) | next() as u128;
            cases.push((a, b));
        }
        for (a, b) in cases {
            let got = gf_mul(a.reverse_bits(), b.reverse_bits()).reverse_bits();
            assert_eq!(got, reference(a, b), "{:032x} * {:032x}", a, b);
        }
    }

    /// guests/tests/vectors/aes256_gcm.txt: the GCM specification's test cases 13-16 and NIST CAVP vectors.
    #[test]
    fn gcm_spec_and_nist_cavp_vectors() {
        let text = include_str!("../../../tests/vectors/aes256_gcm.txt");
        let h = |s: &str| if s == "-" { Vec::new() } else { hex(s) };
        let mut n = 0;
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (k, iv, aad, ct, tag) = (k32(f[0]), iv12(f[1]), h(f[3]), h(f[4]), h(f[5]));
            let mut ct_tag = ct.clone();
            ct_tag.extend(&tag);
            if f[2] == "FAIL" {
                assert!(decrypt(&k, &iv, &aad, &ct_tag).unwrap_err().contains("authentication tag mismatch"), "{}", line);
            } else {
                let pt = h(f[2]);
                assert_eq!(encrypt(&k, &iv, &aad, &pt), ct_tag, "{}", line);
                assert_eq!(decrypt(&k, &iv, &aad, &ct_tag).unwrap(), pt, "{}", line);
                let mut bad = ct_tag.clone();
                bad[0] ^= 0x80;
                assert!(decrypt(&k, &iv, &aad, &bad).is_err(), "{}", line);
            }
            n += 1;
        }
        assert_eq!(n, 15);
    }

    const K15: &str = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
    const IV15: &str = "cafebabefacedbaddecaf888";

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
