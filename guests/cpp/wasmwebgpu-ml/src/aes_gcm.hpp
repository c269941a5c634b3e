// aes_gcm.hpp — AES-256 (FIPS 197) and GCM (NIST SP 800-38D, 96-bit IVs only), header-only, no dependencies, for
// the encrypted data sets `tee-wasm kbs encrypt` writes: 12-byte nonce ‖ ciphertext ‖ 16-byte tag, no AAD.
//
// Small and plain rather than fast (byte-wise rounds, bit-serial GHASH): the data sets are tens of kilobytes.
// Not hardened against cache-timing side channels (table S-box); the tag comparison is constant-time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace aes_gcm {

namespace detail {

inline uint8_t xtime(uint8_t b) { return static_cast<uint8_t>((b << 1) ^ ((b & 0x80) ? 0x1b : 0)); }
inline uint8_t rotl8(uint8_t x, int n) { return static_cast<uint8_t>((x << n) | (x >> (8 - n))); }

// 128-bit value as two big-endian halves (GCM's bit order: bit 0 is the MSB of hi).
struct U128 {
    uint64_t hi = 0, lo = 0;
};
inline U128 load_be(const uint8_t* b) {
    U128 r;
    for (int i = 0; i < 8; ++i) r.hi = (r.hi << 8) | b[i];
    for (int i = 8; i < 16; ++i) r.lo = (r.lo << 8) | b[i];
    return r;
}
inline void store_be(U128 v, uint8_t* b) {
    for (int i = 7; i >= 0; --i) { b[i] = static_cast<uint8_t>(v.hi); v.hi >>= 8; }
    for (int i = 15; i >= 8; --i) { b[i] = static_cast<uint8_t>(v.lo); v.lo >>= 8; }
}
// Multiplication in GF(2^128) (SP 800-38D, Algorithm 1).
inline U128 gf_mul(U128 x, U128 y) {
    U128 z, v = y;
    for (int i = 0; i < 128; ++i) {
        uint64_t bit = i < 64 ? (x.hi >> (63 - i)) & 1 : (x.lo >> (127 - i)) & 1;
        if (bit) { z.hi ^= v.hi; z.lo ^= v.lo; }
        bool lsb = v.lo & 1;
        v.lo = (v.lo >> 1) | (v.hi << 63);
        v.hi >>= 1;
        if (lsb) v.hi ^= 0xe100000000000000ull;
    }
    return z;
}

}  // namespace detail

// AES-256 encryption (the only direction CTR/GCM needs).
class Aes256 {
public:
    explicit Aes256(const uint8_t key[32]) {
        // S-box: multiplicative inverse in GF(2^8), then the affine map.
        uint8_t p = 1, q = 1;
        do {
            p = static_cast<uint8_t>(p ^ (p << 1) ^ ((p & 0x80) ? 0x1b : 0));  // p *= 3
            q ^= static_cast<uint8_t>(q << 1);                                  // q /= 3
            q ^= static_cast<uint8_t>(q << 2);
            q ^= static_cast<uint8_t>(q << 4);
            if (q & 0x80) q ^= 0x09;
            sbox_[p] = static_cast<uint8_t>(q ^ detail::rotl8(q, 1) ^ detail::rotl8(q, 2) ^ detail::rotl8(q, 3) ^
                                            detail::rotl8(q, 4) ^ 0x63);
        } while (p != 1);
        sbox_[0] = 0x63;

        uint8_t w[60][4];
        std::memcpy(w, key, 32);
        uint8_t rcon = 1;
        for (int i = 8; i < 60; ++i) {
            uint8_t t[4] = {w[i - 1][0], w[i - 1][1], w[i - 1][2], w[i - 1][3]};
            if (i % 8 == 0) {
                uint8_t t0 = t[0];
                t[0] = static_cast<uint8_t>(sbox_[t[1]] ^ rcon);
                t[1] = sbox_[t[2]];
                t[2] = sbox_[t[3]];
                t[3] = sbox_[t0];
                rcon = detail::xtime(rcon);
            } else if (i % 8 == 4) {
                for (auto& b : t) b = sbox_[b];
            }
            for (int j = 0; j < 4; ++j) w[i][j] = static_cast<uint8_t>(w[i - 8][j] ^ t[j]);
        }
        std::memcpy(round_keys_, w, sizeof round_keys_);
    }
    ~Aes256() {
        volatile uint8_t* p = &round_keys_[0][0];
        for (size_t i = 0; i < sizeof round_keys_; ++i) p[i] = 0;
    }

    void encrypt_block(const uint8_t in[16], uint8_t out[16]) const {
        uint8_t s[16];
        for (int i = 0; i < 16; ++i) s[i] = in[i] ^ round_keys_[0][i];
        for (int round = 1; round < 15; ++round) {
            for (auto& b : s) b = sbox_[b];
            uint8_t t[16];
            std::memcpy(t, s, 16);
            for (int c = 0; c < 4; ++c)
                for (int r = 0; r < 4; ++r) s[4 * c + r] = t[4 * ((c + r) % 4) + r];  // ShiftRows
            if (round != 14) {
                for (int c = 0; c < 4; ++c) {  // MixColumns
                    uint8_t a[4] = {s[4 * c], s[4 * c + 1], s[4 * c + 2], s[4 * c + 3]};
                    uint8_t all = a[0] ^ a[1] ^ a[2] ^ a[3];
                    for (int r = 0; r < 4; ++r)
                        s[4 * c + r] = static_cast<uint8_t>(a[r] ^ all ^ detail::xtime(a[r] ^ a[(r + 1) % 4]));
                }
            }
            for (int i = 0; i < 16; ++i) s[i] ^= round_keys_[round][i];
        }
        std::memcpy(out, s, 16);
    }

private:
    uint8_t sbox_[256] = {};
    uint8_t round_keys_[15][16] = {};
};

namespace detail {

inline U128 ghash(U128 h, const uint8_t* aad, size_t aad_len, const uint8_t* ct, size_t ct_len) {
    U128 y;
    const uint8_t* parts[2] = {aad, ct};
    size_t lens[2] = {aad_len, ct_len};
    for (int p = 0; p < 2; ++p) {
        for (size_t off = 0; off < lens[p]; off += 16) {
            uint8_t b[16] = {};
            size_t n = lens[p] - off < 16 ? lens[p] - off : 16;
            std::memcpy(b, parts[p] + off, n);
            U128 x = load_be(b);
            y.hi ^= x.hi;
            y.lo ^= x.lo;
            y = gf_mul(y, h);
        }
    }
    y.hi ^= static_cast<uint64_t>(aad_len) * 8;
    y.lo ^= static_cast<uint64_t>(ct_len) * 8;
    return gf_mul(y, h);
}

// Counter mode from inc32(j0), in place.
inline void ctr(const Aes256& aes, const uint8_t j0[16], uint8_t* data, size_t len) {
    uint8_t counter[16], ks[16];
    std::memcpy(counter, j0, 16);
    for (size_t off = 0; off < len; off += 16) {
        uint32_t c = (uint32_t(counter[12]) << 24 | uint32_t(counter[13]) << 16 | uint32_t(counter[14]) << 8 | counter[15]) + 1;
        counter[12] = static_cast<uint8_t>(c >> 24);
        counter[13] = static_cast<uint8_t>(c >> 16);
        counter[14] = static_cast<uint8_t>(c >> 8);
        counter[15] = static_cast<uint8_t>(c);
        aes.encrypt_block(counter, ks);
        size_t n = len - off < 16 ? len - off : 16;
        for (size_t i = 0; i < n; ++i) data[off + i] ^= ks[i];
    }
}

inline void tag(const Aes256& aes, const uint8_t j0[16], const uint8_t* aad, size_t aad_len, const uint8_t* ct,
                size_t ct_len, uint8_t out[16]) {
    uint8_t zero[16] = {}, hb[16], ej0[16];
    aes.encrypt_block(zero, hb);
    U128 g = ghash(load_be(hb), aad, aad_len, ct, ct_len);
    aes.encrypt_block(j0, ej0);
    U128 e = load_be(ej0);
    e.hi ^= g.hi;
    e.lo ^= g.lo;
    store_be(e, out);
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

// AES-256-GCM decryption of ciphertext ‖ tag; the tag is checked before anything is decrypted.
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
