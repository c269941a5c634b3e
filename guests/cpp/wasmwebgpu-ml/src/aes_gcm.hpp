// aes_gcm.hpp — AES-256 (FIPS 197) and GCM (NIST SP 800-38D, 96-bit IVs only), header-only, no dependencies, for
// the encrypted data sets `tee-wasm kbs encrypt` writes: 12-byte nonce ‖ ciphertext ‖ 16-byte tag, no AAD.
//
// Constant-time: inside a confidential VM the hypervisor can watch the cache, so nothing here indexes memory or
// branches on the key, the data or anything derived from them. The same design as the Rust guest's aes_gcm.rs:
// - AES is bitsliced: four blocks at a time as eight 64-bit bit planes, the S-box as the Boyar–Peralta circuit
//   (113 XOR/AND/XNOR gates, "A depth-16 circuit for the AES S-box", 2011), ShiftRows and MixColumns as fixed
//   shifts and masks; the key schedule uses the same circuit.
// - GHASH multiplies in GF(2^128) with a carry-less multiply built from integer multiplications of operands with
//   3-bit holes (no carry reaches a kept bit) and Karatsuba, then reduces with fixed shifts. Integer
//   multiplication is constant-time on the x86-64 CPUs confidential VMs run on.
// - The tag is compared in constant time and checked before anything is decrypted.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace aes_gcm {

namespace detail {

// Bit planes of four blocks: bit 16*k + j of q[b] is bit b of byte j of block k. Within a 16-bit lane, byte
// j = 4*c + r (FIPS 197's column c, row r) is bit r of nibble c.
struct Planes {
    uint64_t q[8];
};

// Replicates a 16-bit lane mask over the four lanes.
constexpr uint64_t lanes(uint16_t m) { return static_cast<uint64_t>(m) * 0x0001000100010001ull; }

// Transposes the 8x8 bit matrix in x (bit 8*i + j <-> bit 8*j + i).
inline uint64_t transpose8(uint64_t x) {
    uint64_t t = (x ^ (x >> 7)) & 0x00aa00aa00aa00aaull;
    x ^= t ^ (t << 7);
    t = (x ^ (x >> 14)) & 0x0000cccc0000ccccull;
    x ^= t ^ (t << 14);
    t = (x ^ (x >> 28)) & 0x00000000f0f0f0f0ull;
    return x ^ t ^ (t << 28);
}

inline uint64_t load_le64(const uint8_t* b) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
    return v;
}
inline void store_le64(uint64_t v, uint8_t* b) {
    for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
}

inline Planes pack(const uint8_t blocks[4][16]) {
    Planes p{};
    for (int k = 0; k < 4; ++k)
        for (int h = 0; h < 2; ++h) {
            uint64_t t = transpose8(load_le64(blocks[k] + 8 * h));  // byte b: bit b of each of the 8 bytes
            for (int b = 0; b < 8; ++b) p.q[b] |= ((t >> (8 * b)) & 0xff) << (16 * k + 8 * h);
        }
    return p;
}

inline void unpack(const Planes& p, uint8_t blocks[4][16]) {
    for (int k = 0; k < 4; ++k)
        for (int h = 0; h < 2; ++h) {
            uint64_t t = 0;
            for (int b = 0; b < 8; ++b) t |= ((p.q[b] >> (16 * k + 8 * h)) & 0xff) << (8 * b);
            store_le64(transpose8(t), blocks[k] + 8 * h);
        }
}

// SubBytes on all 64 bytes: the Boyar–Peralta circuit (x0 is the most significant bit of a byte).
inline void sub_bytes(Planes& p) {
    uint64_t* q = p.q;
    const uint64_t x0 = q[7], x1 = q[6], x2 = q[5], x3 = q[4], x4 = q[3], x5 = q[2], x6 = q[1], x7 = q[0];

    // Top linear layer.
    const uint64_t y14 = x3 ^ x5, y13 = x0 ^ x6, y9 = x0 ^ x3, y8 = x0 ^ x5, t0 = x1 ^ x2, y1 = t0 ^ x7, y4 = y1 ^ x3;
    const uint64_t y12 = y13 ^ y14, y2 = y1 ^ x0, y5 = y1 ^ x6, y3 = y5 ^ y8, t1 = x4 ^ y12, y15 = t1 ^ x5, y20 = t1 ^ x1;
    const uint64_t y6 = y15 ^ x7, y10 = y15 ^ t0, y11 = y20 ^ y9, y7 = x7 ^ y11, y17 = y10 ^ y11, y19 = y10 ^ y8;
    const uint64_t y16 = t0 ^ y11, y21 = y13 ^ y16, y18 = x0 ^ y16;

    // Shared non-linear middle (inversion in GF(2^4)^2).
    const uint64_t t2 = y12 & y15, t3 = y3 & y6, t4 = t3 ^ t2, t5 = y4 & x7, t6 = t5 ^ t2, t7 = y13 & y16;
    const uint64_t t8 = y5 & y1, t9 = t8 ^ t7, t10 = y2 & y7, t11 = t10 ^ t7, t12 = y9 & y11, t13 = y14 & y17;
    const uint64_t t14 = t13 ^ t12, t15 = y8 & y10, t16 = t15 ^ t12, t17 = t4 ^ t14, t18 = t6 ^ t16, t19 = t9 ^ t14;
    const uint64_t t20 = t11 ^ t16, t21 = t17 ^ y20, t22 = t18 ^ y19, t23 = t19 ^ y21, t24 = t20 ^ y18;
    const uint64_t t25 = t21 ^ t22, t26 = t21 & t23, t27 = t24 ^ t26, t28 = t25 & t27, t29 = t28 ^ t22;
    const uint64_t t30 = t23 ^ t24, t31 = t22 ^ t26, t32 = t31 & t30, t33 = t32 ^ t24, t34 = t23 ^ t33;
    const uint64_t t35 = t27 ^ t33, t36 = t24 & t35, t37 = t36 ^ t34, t38 = t27 ^ t36, t39 = t29 & t38;
    const uint64_t t40 = t25 ^ t39, t41 = t40 ^ t37, t42 = t29 ^ t33, t43 = t29 ^ t40, t44 = t33 ^ t37, t45 = t42 ^ t41;
    const uint64_t z0 = t44 & y15, z1 = t37 & y6, z2 = t33 & x7, z3 = t43 & y16, z4 = t40 & y1, z5 = t29 & y7;
    const uint64_t z6 = t42 & y11, z7 = t45 & y17, z8 = t41 & y10, z9 = t44 & y12, z10 = t37 & y3, z11 = t33 & y4;
    const uint64_t z12 = t43 & y13, z13 = t40 & y5, z14 = t29 & y2, z15 = t42 & y9, z16 = t45 & y14, z17 = t41 & y8;

    // Bottom linear layer (the affine constant 0x63 is in the three NOTs).
    const uint64_t t46 = z15 ^ z16, t47 = z10 ^ z11, t48 = z5 ^ z13, t49 = z9 ^ z10, t50 = z2 ^ z12, t51 = z2 ^ z5;
    const uint64_t t52 = z7 ^ z8, t53 = z0 ^ z3, t54 = z6 ^ z7, t55 = z16 ^ z17, t56 = z12 ^ t48, t57 = t50 ^ t53;
    const uint64_t t58 = z4 ^ t46, t59 = z3 ^ t54, t60 = t46 ^ t57, t61 = z14 ^ t57, t62 = t52 ^ t58, t63 = t49 ^ t58;
    const uint64_t t64 = z4 ^ t59, t65 = t61 ^ t62, t66 = z1 ^ t63;
    const uint64_t s0 = t59 ^ t63, s6 = t56 ^ ~t62, s7 = t48 ^ ~t60, t67 = t64 ^ t65, s3 = t53 ^ t66, s4 = t51 ^ t66;
    const uint64_t s5 = t47 ^ t65, s1 = t64 ^ ~s3, s2 = t55 ^ ~t67;

    q[0] = s7; q[1] = s6; q[2] = s5; q[3] = s4; q[4] = s3; q[5] = s2; q[6] = s1; q[7] = s0;
}

// ShiftRows: row r (bit r of every nibble) rotates left by r columns (nibbles) within its lane.
inline void shift_rows(Planes& p) {
    for (uint64_t& x : p.q) {
        const uint64_t v = x;
        x = (v & lanes(0x1111)) | ((v >> 4) & lanes(0x0222)) | ((v << 12) & lanes(0x2000)) | ((v >> 8) & lanes(0x0044)) |
            ((v << 8) & lanes(0x4400)) | ((v >> 12) & lanes(0x0008)) | ((v << 4) & lanes(0x8880));
    }
}

// Within every column (nibble): row r takes row r+1, resp. r+2 (mod 4).
inline uint64_t rot_rows1(uint64_t v) { return ((v >> 1) & lanes(0x7777)) | ((v << 3) & lanes(0x8888)); }
inline uint64_t rot_rows2(uint64_t v) { return ((v >> 2) & lanes(0x3333)) | ((v << 2) & lanes(0xcccc)); }

// MixColumns: out[r] = 2·(a[r] ^ a[r+1]) ^ a[r+1] ^ a[r+2] ^ a[r+3], with 2· (xtime) moving planes.
inline void mix_columns(Planes& p) {
    uint64_t r1[8], t[8];
    for (int b = 0; b < 8; ++b) {
        r1[b] = rot_rows1(p.q[b]);
        t[b] = p.q[b] ^ r1[b];
    }
    // xtime(t): up one plane, the top plane folds into bits 0, 1, 3, 4 (x^8 = x^4 + x^3 + x + 1).
    const uint64_t xt[8] = {t[7], t[0] ^ t[7], t[1], t[2] ^ t[7], t[3] ^ t[7], t[4], t[5], t[6]};
    for (int b = 0; b < 8; ++b) p.q[b] = xt[b] ^ r1[b] ^ rot_rows2(t[b]);  // rot_rows2(t) = a[r+2] ^ a[r+3]
}

inline void add_round_key(Planes& p, const Planes& k) {
    for (int b = 0; b < 8; ++b) p.q[b] ^= k.q[b];
}

inline void secure_zero(void* p, size_t n) {
    volatile uint8_t* v = static_cast<volatile uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) v[i] = 0;
}

}  // namespace detail

// AES-256 encryption (the only direction CTR/GCM needs), four blocks at a time.
class Aes256 {
public:
    explicit Aes256(const uint8_t key[32]) {
        uint8_t w[60][4];
        std::memcpy(w, key, 32);
        uint8_t rcon = 1;
        for (int i = 8; i < 60; ++i) {
            uint8_t t[4] = {w[i - 1][0], w[i - 1][1], w[i - 1][2], w[i - 1][3]};
            if (i % 8 == 0) {  // i is public
                const uint8_t rot[4] = {t[1], t[2], t[3], t[0]};
                sub_word(rot, t);
                t[0] ^= rcon;
                rcon = static_cast<uint8_t>((rcon << 1) ^ (0x1b & (0u - (rcon >> 7))));
            } else if (i % 8 == 4) {
                const uint8_t in[4] = {t[0], t[1], t[2], t[3]};
                sub_word(in, t);
            }
            for (int j = 0; j < 4; ++j) w[i][j] = static_cast<uint8_t>(w[i - 8][j] ^ t[j]);
        }
        for (int r = 0; r < 15; ++r) {
            uint8_t blocks[4][16];
            for (int k = 0; k < 4; ++k) std::memcpy(blocks[k], w[4 * r], 16);
            round_keys_[r] = detail::pack(blocks);
            detail::secure_zero(blocks, sizeof blocks);
        }
        detail::secure_zero(w, sizeof w);
    }
    ~Aes256() { detail::secure_zero(round_keys_, sizeof round_keys_); }
    Aes256(const Aes256&) = delete;
    Aes256& operator=(const Aes256&) = delete;

    // Encrypts four blocks in place.
    void encrypt4(uint8_t blocks[4][16]) const {
        detail::Planes p = detail::pack(blocks);
        detail::add_round_key(p, round_keys_[0]);
        for (int round = 1; round < 14; ++round) {
            detail::sub_bytes(p);
            detail::shift_rows(p);
            detail::mix_columns(p);
            detail::add_round_key(p, round_keys_[round]);
        }
        detail::sub_bytes(p);
        detail::shift_rows(p);
        detail::add_round_key(p, round_keys_[14]);
        detail::unpack(p, blocks);
    }

    // Encrypts one block (state in column-major order, as FIPS 197 lays out the input bytes).
    void encrypt_block(const uint8_t in[16], uint8_t out[16]) const {
        uint8_t b[4][16] = {};
        std::memcpy(b[0], in, 16);
        encrypt4(b);
        std::memcpy(out, b[0], 16);
    }

private:
    // SubWord of the key schedule, through the same circuit.
    static void sub_word(const uint8_t in[4], uint8_t out[4]) {
        uint8_t b[4][16] = {};
        std::memcpy(b[0], in, 4);
        detail::Planes p = detail::pack(b);
        detail::sub_bytes(p);
        detail::unpack(p, b);
        std::memcpy(out, b[0], 4);
        detail::secure_zero(b, sizeof b);
    }

    detail::Planes round_keys_[15] = {};  // each replicated into the four lanes
};

namespace detail {

// 128-bit polynomial over GF(2), ordinary bit order: bit i of (hi:lo) is the coefficient of x^i.
struct Poly {
    uint64_t hi = 0, lo = 0;
};
inline Poly operator^(Poly a, Poly b) { return {a.hi ^ b.hi, a.lo ^ b.lo}; }

inline uint64_t rev64(uint64_t x) {
    x = ((x >> 1) & 0x5555555555555555ull) | ((x & 0x5555555555555555ull) << 1);
    x = ((x >> 2) & 0x3333333333333333ull) | ((x & 0x3333333333333333ull) << 2);
    x = ((x >> 4) & 0x0f0f0f0f0f0f0f0full) | ((x & 0x0f0f0f0f0f0f0f0full) << 4);
    x = ((x >> 8) & 0x00ff00ff00ff00ffull) | ((x & 0x00ff00ff00ff00ffull) << 8);
    x = ((x >> 16) & 0x0000ffff0000ffffull) | ((x & 0x0000ffff0000ffffull) << 16);
    return (x >> 32) | (x << 32);
}

// Low 64 bits of the carry-less product x·y. The operands are split into four parts with 3-bit holes (bits
// ≡ i mod 4), so each partial integer product sums at most 15 terms per kept bit below bit 64 and no carry
// reaches the next kept bit.
inline uint64_t clmul_lo(uint64_t x, uint64_t y) {
    const uint64_t m0 = 0x1111111111111111ull, m1 = m0 << 1, m2 = m0 << 2, m3 = m0 << 3;
    const uint64_t x0 = x & m0, x1 = x & m1, x2 = x & m2, x3 = x & m3;
    const uint64_t y0 = y & m0, y1 = y & m1, y2 = y & m2, y3 = y & m3;
    const uint64_t z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
    const uint64_t z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
    const uint64_t z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
    const uint64_t z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
    return (z0 & m0) | (z1 & m1) | (z2 & m2) | (z3 & m3);
}

// The full 128-bit carry-less product; the high half through bit reversal (rev(x)·rev(y) holds bits 126..63).
inline Poly clmul(uint64_t x, uint64_t y) { return {rev64(clmul_lo(rev64(x), rev64(y))) >> 1, clmul_lo(x, y)}; }

// x·y mod x^128 + x^7 + x^2 + x + 1.
inline Poly gf_mul(Poly x, Poly y) {
    const Poly lo = clmul(x.lo, y.lo), hi = clmul(x.hi, y.hi);  // Karatsuba: three 64x64 products
    const Poly mid = clmul(x.lo ^ x.hi, y.lo ^ y.hi) ^ lo ^ hi;
    const Poly d_lo{lo.hi ^ mid.lo, lo.lo};
    const Poly d_hi{hi.hi, hi.lo ^ mid.hi};
    // x^128 = x^7 + x^2 + x + 1: fold the high half in, then the few bits the fold pushed past x^127.
    const uint64_t over = (d_hi.hi >> 63) ^ (d_hi.hi >> 62) ^ (d_hi.hi >> 57);
    Poly r = d_lo ^ d_hi;
    r.hi ^= (d_hi.hi << 1 | d_hi.lo >> 63) ^ (d_hi.hi << 2 | d_hi.lo >> 62) ^ (d_hi.hi << 7 | d_hi.lo >> 57);
    r.lo ^= (d_hi.lo << 1) ^ (d_hi.lo << 2) ^ (d_hi.lo << 7) ^ over ^ (over << 1) ^ (over << 2) ^ (over << 7);
    return r;
}

// A GCM block as a polynomial: GCM puts the coefficient of x^0 in the most significant bit of byte 0.
inline Poly to_poly(const uint8_t b[16]) {
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; ++i) hi = (hi << 8) | b[i];
    for (int i = 8; i < 16; ++i) lo = (lo << 8) | b[i];
    return {rev64(lo), rev64(hi)};
}
inline void from_poly(Poly p, uint8_t b[16]) {
    uint64_t hi = rev64(p.lo), lo = rev64(p.hi);
    for (int i = 7; i >= 0; --i) { b[i] = static_cast<uint8_t>(hi); hi >>= 8; }
    for (int i = 15; i >= 8; --i) { b[i] = static_cast<uint8_t>(lo); lo >>= 8; }
}

inline void ghash(const uint8_t h_block[16], const uint8_t* aad, size_t aad_len, const uint8_t* ct, size_t ct_len,
                  uint8_t out[16]) {
    const Poly h = to_poly(h_block);
    Poly y;
    const uint8_t* parts[2] = {aad, ct};
    const size_t lens[2] = {aad_len, ct_len};
    for (int p = 0; p < 2; ++p)
        for (size_t off = 0; off < lens[p]; off += 16) {
            uint8_t b[16] = {};
            std::memcpy(b, parts[p] + off, lens[p] - off < 16 ? lens[p] - off : 16);
            y = gf_mul(y ^ to_poly(b), h);
        }
    uint8_t l[16];
    const uint64_t bits[2] = {static_cast<uint64_t>(aad_len) * 8, static_cast<uint64_t>(ct_len) * 8};
    for (int i = 0; i < 16; ++i) l[i] = static_cast<uint8_t>(bits[i / 8] >> (56 - 8 * (i % 8)));
    from_poly(gf_mul(y ^ to_poly(l), h), out);
}

// Counter mode from inc32(j0), in place, four blocks per AES call.
inline void ctr(const Aes256& aes, const uint8_t j0[16], uint8_t* data, size_t len) {
    uint32_t counter = uint32_t(j0[12]) << 24 | uint32_t(j0[13]) << 16 | uint32_t(j0[14]) << 8 | j0[15];
    uint8_t ks[4][16];
    for (size_t off = 0; off < len; off += 64) {
        for (int k = 0; k < 4; ++k) {
            ++counter;
            std::memcpy(ks[k], j0, 12);
            ks[k][12] = static_cast<uint8_t>(counter >> 24);
            ks[k][13] = static_cast<uint8_t>(counter >> 16);
            ks[k][14] = static_cast<uint8_t>(counter >> 8);
            ks[k][15] = static_cast<uint8_t>(counter);
        }
        aes.encrypt4(ks);
        const size_t n = len - off < 64 ? len - off : 64;
        for (size_t i = 0; i < n; ++i) data[off + i] ^= ks[i / 16][i % 16];
    }
    secure_zero(ks, sizeof ks);
}

// The tag E(J0) ^ GHASH(H = E(0), aad, ct), with H and E(J0) from one AES call.
inline void tag(const Aes256& aes, const uint8_t j0[16], const uint8_t* aad, size_t aad_len, const uint8_t* ct,
                size_t ct_len, uint8_t out[16]) {
    uint8_t b[4][16] = {};
    std::memcpy(b[1], j0, 16);
    aes.encrypt4(b);
    ghash(b[0], aad, aad_len, ct, ct_len, out);
    for (int i = 0; i < 16; ++i) out[i] ^= b[1][i];
    secure_zero(b, sizeof b);
}

}  // namespace detail

// AES-256-GCM encryption: returns ciphertext ‖ tag.
inline std::vector<uint8_t> encrypt(const uint8_t key[32], const uint8_t iv[12], const uint8_t* aad, size_t aad_len,
                                    const uint8_t* pt, size_t pt_len) {
    Aes256 aes(key);
    uint8_t j0[16] = {};
    std::memcpy(j0, iv, 12);
    j0[15] = 1;
    std::vector<uint8_t> out(pt, pt + pt_len);
    detail::ctr(aes, j0, out.data(), out.size());
    uint8_t t[16];
    detail::tag(aes, j0, aad, aad_len, out.data(), out.size(), t);
    out.insert(out.end(), t, t + 16);
    return out;
}

// AES-256-GCM decryption of ciphertext ‖ tag; the tag is checked (in constant time) before anything is decrypted.
inline bool decrypt(const uint8_t key[32], const uint8_t iv[12], const uint8_t* aad, size_t aad_len, const uint8_t* ct_tag,
                    size_t len, std::vector<uint8_t>& out, std::string* error) {
    out.clear();
    if (len < 16) {
        if (error) *error = "ciphertext shorter than the 16-byte tag";
        return false;
    }
    size_t ct_len = len - 16;
    Aes256 aes(key);
    uint8_t j0[16] = {};
    std::memcpy(j0, iv, 12);
    j0[15] = 1;
    uint8_t t[16];
    detail::tag(aes, j0, aad, aad_len, ct_tag, ct_len, t);
    uint8_t diff = 0;
    for (int i = 0; i < 16; ++i) diff |= static_cast<uint8_t>(t[i] ^ ct_tag[ct_len + i]);
    if (diff != 0) {
        if (error) *error = "authentication tag mismatch (wrong key, or the file was altered)";
        return false;
    }
    out.assign(ct_tag, ct_tag + ct_len);
    detail::ctr(aes, j0, out.data(), out.size());
    return true;
}

// Opens a `tee-wasm kbs encrypt` file: 12-byte nonce ‖ ciphertext ‖ 16-byte tag, no associated data.
inline bool open_secret_file(const std::vector<uint8_t>& key, const std::vector<uint8_t>& file, std::vector<uint8_t>& out,
                             std::string* error) {
    out.clear();
    if (key.size() != 32) {
        if (error) *error = "the data key is " + std::to_string(key.size()) + " bytes, expected 32 (AES-256)";
        return false;
    }
    if (file.size() < 28) {
        if (error) *error = std::to_string(file.size()) + " bytes is too short for nonce (12) + tag (16)";
        return false;
    }
    return decrypt(key.data(), file.data(), nullptr, 0, file.data() + 12, file.size() - 12, out, error);
}

}  // namespace aes_gcm
