// aes_gcm_test.cpp — native test of wasmwebgpu-ml/src/aes_gcm.hpp: the bitsliced S-box against the S-box's definition
// for all 256 bytes, the bit-plane layout, FIPS 197 (AES-256 block, in every lane), SP 800-38A CTR-AES256, the
// constant-time GF(2^128) multiply against SP 800-38D's bitwise algorithm, the AES-256-GCM vectors in
// guests/tests/vectors/aes256_gcm.txt (GCM spec test cases 13-16, NIST CAVP; argv[1]), the data-set file format round
// trip, tampering and wrong keys. Built and run by scripts/build-guests.sh --check.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "aes_gcm.hpp"
#include "check.hpp"

static std::vector<uint8_t> hex(const std::string& s) {
    std::vector<uint8_t> v;
    for (size_t i = 0; i + 1 < s.size(); i += 2) v.push_back(static_cast<uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
    return v;
}
static std::vector<uint8_t> cat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// The S-box from its definition (inverse in GF(2^8), then the affine map): the reference for the circuit.
static uint8_t gmul(uint8_t a, uint8_t b) {
    uint8_t p = 0;
    for (; b; b >>= 1) {
        if (b & 1) p ^= a;
        a = static_cast<uint8_t>((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
    }
    return p;
}
static uint8_t reference_sbox(uint8_t x) {
    uint8_t inv = 0;
    for (int y = 1; y < 256; ++y)
        if (gmul(x, static_cast<uint8_t>(y)) == 1) inv = static_cast<uint8_t>(y);
    auto rotl = [](uint8_t v, int n) { return static_cast<uint8_t>((v << n) | (v >> (8 - n))); };
    return static_cast<uint8_t>(inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4) ^ 0x63);
}

// SP 800-38D Algorithm 1 (GCM bit order), branchy but obviously right: the reference for gf_mul.
static void reference_gf_mul(const uint8_t x[16], const uint8_t y[16], uint8_t out[16]) {
    uint8_t z[16] = {}, v[16];
    std::memcpy(v, y, 16);
    for (int i = 0; i < 128; ++i) {
        if ((x[i / 8] >> (7 - i % 8)) & 1)
            for (int j = 0; j < 16; ++j) z[j] ^= v[j];
        bool lsb = v[15] & 1;
        for (int j = 15; j > 0; --j) v[j] = static_cast<uint8_t>((v[j] >> 1) | (v[j - 1] << 7));
        v[0] >>= 1;
        if (lsb) v[0] ^= 0xe1;
    }
    std::memcpy(out, z, 16);
}

using namespace aes_gcm::detail;

static const std::vector<uint8_t> kFipsPt = hex("00112233445566778899aabbccddeeff");
static const std::vector<uint8_t> kFipsCt = hex("8ea2b7ca516745bfeafc49904b496089");

// The circuit S-box for all 256 inputs (four packs of 64 bytes).
TEST(circuit_sbox_matches_the_definition_for_all_256_bytes) {
    CHECK(reference_sbox(0) == 0x63 && reference_sbox(1) == 0x7c && reference_sbox(0x53) == 0xed);
    for (int chunk = 0; chunk < 4; ++chunk) {
        uint8_t b[4][16];
        for (int i = 0; i < 64; ++i) b[i / 16][i % 16] = static_cast<uint8_t>(64 * chunk + i);
        Planes p = pack(b);
        sub_bytes(p);
        unpack(p, b);
        for (int i = 0; i < 64; ++i) {
            uint8_t x = static_cast<uint8_t>(64 * chunk + i);
            CHECK(b[i / 16][i % 16] == reference_sbox(x));
        }
    }
}

// Bit 16k+j of plane b is bit b of byte j of block k; pack/unpack round trip.
TEST(bit_plane_layout_and_round_trip) {
    uint8_t b[4][16], back[4][16];
    for (int i = 0; i < 64; ++i) b[i / 16][i % 16] = static_cast<uint8_t>(37 * i + 11);
    Planes p = pack(b);
    bool layout = true;
    for (int pl = 0; pl < 8; ++pl)
        for (int i = 0; i < 64; ++i) layout &= ((p.q[pl] >> i) & 1) == static_cast<uint64_t>((b[i / 16][i % 16] >> pl) & 1);
    CHECK(layout);
    unpack(p, back);
    CHECK(std::memcmp(b, back, sizeof b) == 0);
}

// FIPS 197, Appendix C.3 (AES-256), alone and in each of the four lanes.
TEST(fips197_aes256_block_in_every_lane) {
    std::vector<uint8_t> k0(32);
    for (int i = 0; i < 32; ++i) k0[i] = static_cast<uint8_t>(i);
    aes_gcm::Aes256 aes(k0.data());
    uint8_t out[16];
    aes.encrypt_block(kFipsPt.data(), out);
    CHECK(std::vector<uint8_t>(out, out + 16) == kFipsCt);
    for (int lane = 0; lane < 4; ++lane) {
        uint8_t b[4][16];
        std::memset(b, 0xa5, sizeof b);
        std::memcpy(b[lane], kFipsPt.data(), 16);
        aes.encrypt4(b);
        CHECK(std::vector<uint8_t>(b[lane], b[lane] + 16) == kFipsCt);
    }
}

// SP 800-38A F.5.5 (CTR-AES256.Encrypt): four counter blocks in the four lanes.
TEST(sp800_38a_ctr_aes256_keystream) {
    const auto key = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
    const auto pt = hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
    const auto ct = hex("601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6");
    const uint8_t last[4][2] = {{0xfe, 0xff}, {0xff, 0x00}, {0xff, 0x01}, {0xff, 0x02}};
    uint8_t b[4][16];
    for (int k = 0; k < 4; ++k) {
        std::memcpy(b[k], hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff").data(), 16);
        b[k][14] = last[k][0];
        b[k][15] = last[k][1];
    }
    aes_gcm::Aes256(key.data()).encrypt4(b);
    for (int i = 0; i < 64; ++i) CHECK((pt[i] ^ b[i / 16][i % 16]) == ct[i]);
}

// gf_mul against the bitwise definition: edge cases and 2000 SplitMix64 pairs.
TEST(gf_mul_matches_the_bitwise_definition) {
    uint64_t s = 0x0123456789abcdefull;
    auto next = [&s]() {
        s += 0x9E3779B97F4A7C15ull;
        uint64_t z = s;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    };
    int bad = 0;
    for (int n = 0; n < 2005; ++n) {
        uint8_t x[16], y[16], want[16], got[16];
        for (int i = 0; i < 16; ++i) {
            x[i] = n == 0 ? 0 : n == 1 ? 0xff : n == 2 ? (i == 0 ? 0x80 : 0) : n == 3 ? (i == 15 ? 1 : 0) : static_cast<uint8_t>(next());
            y[i] = n == 0 ? 0 : n == 1 ? 0xff : n == 2 ? (i == 0 ? 0x80 : 0) : n == 3 ? 0xff : static_cast<uint8_t>(next());
        }
        reference_gf_mul(x, y, want);
        from_poly(gf_mul(to_poly(x), to_poly(y)), got);
        bad += std::memcmp(want, got, 16) != 0;
    }
    CHECK(bad == 0);
}

// guests/tests/vectors/aes256_gcm.txt (argv[1]): encrypt and decrypt every valid vector (and refuse it with a flipped
// bit); refuse every FAIL vector.
TEST(gcm_spec_and_nist_cavp_vectors) {
    const char* path = check::arg(1);
    CHECK(path != nullptr);
    if (!path) return;
    std::ifstream vf(path);
    CHECK(vf.good());
    std::string line;
    int vectors = 0;
    while (std::getline(vf, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        std::string k, iv, pt, aad, c, t;
        fields >> k >> iv >> pt >> aad >> c >> t;
        auto h = [](const std::string& x) { return x == "-" ? std::vector<uint8_t>() : hex(x); };
        const auto key = hex(k), nonce = hex(iv), a = h(aad), ct_tag = cat(h(c), hex(t));
        std::vector<uint8_t> plain;
        std::string err;
        if (pt == "FAIL") {
            CHECK(!aes_gcm::decrypt(key.data(), nonce.data(), a.data(), a.size(), ct_tag.data(), ct_tag.size(), plain, &err) &&
                  err.find("authentication tag mismatch") != std::string::npos);
        } else {
            const auto p = h(pt);
            CHECK(aes_gcm::encrypt(key.data(), nonce.data(), a.data(), a.size(), p.data(), p.size()) == ct_tag);
            CHECK(aes_gcm::decrypt(key.data(), nonce.data(), a.data(), a.size(), ct_tag.data(), ct_tag.size(), plain, &err) &&
                  plain == p);
            auto bad = ct_tag;
            bad[0] ^= 0x80;
            CHECK(!aes_gcm::decrypt(key.data(), nonce.data(), a.data(), a.size(), bad.data(), bad.size(), plain, &err));
        }
        ++vectors;
    }
    CHECK(vectors == 15);
}

// The data-set file: nonce || ciphertext || tag; tampering, a wrong key, a short key, a short file.
TEST(secret_file_round_trip_and_tampering) {
    const auto k = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const auto iv = hex("cafebabefacedbaddecaf888");
    std::vector<uint8_t> plain;
    std::string err;
    const std::string csv = "age,bmi,target\n50,31.2,151\n";
    const auto file = cat(iv, aes_gcm::encrypt(k.data(), iv.data(), nullptr, 0, reinterpret_cast<const uint8_t*>(csv.data()), csv.size()));
    CHECK(aes_gcm::open_secret_file(k, file, plain, &err) && std::string(plain.begin(), plain.end()) == csv);
    for (size_t i : {size_t(0), size_t(12), file.size() - 1}) {
        auto bad = file;
        bad[i] ^= 1;
        err.clear();
        CHECK(!aes_gcm::open_secret_file(k, bad, plain, &err) && plain.empty() &&
               err.find("authentication tag mismatch") != std::string::npos);
    }
    auto wrong = k;
    wrong[0] ^= 0x80;
    CHECK(!aes_gcm::open_secret_file(wrong, file, plain, &err) && err.find("authentication tag mismatch") != std::string::npos);
    CHECK(!aes_gcm::open_secret_file(std::vector<uint8_t>(k.begin(), k.begin() + 16), file, plain, &err) &&
           err.find("expected 32") != std::string::npos);
    CHECK(!aes_gcm::open_secret_file(k, std::vector<uint8_t>(file.begin(), file.begin() + 27), plain, &err) &&
           err.find("too short") != std::string::npos);
}

int main(int argc, char** argv) { return check::run_all(argc, argv); }
