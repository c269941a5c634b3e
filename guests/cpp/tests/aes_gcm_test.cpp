// aes_gcm_test.cpp — native test of wasmwebgpu-ml/src/aes_gcm.hpp against FIPS 197 (AES-256 block) and the GCM
// specification's AES-256 test cases 13-16 (NIST GCM validation vectors); the data-set file format round trip,
// tampering and wrong keys. Built and run by scripts/build-guests.sh --check.
#include <cstdio>
#include <string>
#include <vector>

#include "aes_gcm.hpp"

static int failures = 0;
#define EXPECT(c)                                                        \
    do {                                                                 \
        if (!(c)) {                                                      \
            std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);     \
            ++failures;                                                  \
        }                                                                \
    } while (0)

static std::vector<uint8_t> hex(const std::string& s) {
    std::vector<uint8_t> v;
    for (size_t i = 0; i + 1 < s.size(); i += 2) v.push_back(static_cast<uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
    return v;
}
static std::vector<uint8_t> cat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

int main() {
    // FIPS 197, Appendix C.3 (AES-256).
    std::vector<uint8_t> k0(32);
    for (int i = 0; i < 32; ++i) k0[i] = static_cast<uint8_t>(i);
    uint8_t out[16];
    aes_gcm::Aes256(k0.data()).encrypt_block(hex("00112233445566778899aabbccddeeff").data(), out);
    EXPECT(std::vector<uint8_t>(out, out + 16) == hex("8ea2b7ca516745bfeafc49904b496089"));

    // GCM test cases 13 and 14: zero key and IV.
    const std::vector<uint8_t> z32(32), z16(16), z12(12);
    EXPECT(aes_gcm::encrypt(z32.data(), z12.data(), nullptr, 0, nullptr, 0) == hex("530f8afbc74536b9a963b4f1c4cb738b"));
    EXPECT(aes_gcm::encrypt(z32.data(), z12.data(), nullptr, 0, z16.data(), 16) ==
           hex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"));

    // Test cases 15 (no AAD) and 16 (AAD, 60-byte plaintext).
    const auto k = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const auto iv = hex("cafebabefacedbaddecaf888");
    const auto p = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
    const auto c = hex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad");
    const auto ct15 = cat(c, hex("b094dac5d93471bdec1a502270e3cc6c"));
    EXPECT(aes_gcm::encrypt(k.data(), iv.data(), nullptr, 0, p.data(), p.size()) == ct15);
    std::vector<uint8_t> plain;
    std::string err;
    EXPECT(aes_gcm::decrypt(k.data(), iv.data(), nullptr, 0, ct15.data(), ct15.size(), plain, &err) && plain == p);
    const auto aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const auto ct16 = cat(std::vector<uint8_t>(c.begin(), c.begin() + 60), hex("76fc6ece0f4e1768cddf8853bb2d551b"));
    EXPECT(aes_gcm::encrypt(k.data(), iv.data(), aad.data(), aad.size(), p.data(), 60) == ct16);
    EXPECT(aes_gcm::decrypt(k.data(), iv.data(), aad.data(), aad.size(), ct16.data(), ct16.size(), plain, &err) &&
           plain == std::vector<uint8_t>(p.begin(), p.begin() + 60));

    // The data-set file: nonce || ciphertext || tag.
    const std::string csv = "age,bmi,target\n50,31.2,151\n";
    const auto file = cat(iv, aes_gcm::encrypt(k.data(), iv.data(), nullptr, 0, reinterpret_cast<const uint8_t*>(csv.data()), csv.size()));
    EXPECT(aes_gcm::open_secret_file(k, file, plain, &err) && std::string(plain.begin(), plain.end()) == csv);
    for (size_t i : {size_t(0), size_t(12), file.size() - 1}) {
        auto bad = file;
        bad[i] ^= 1;
        err.clear();
        EXPECT(!aes_gcm::open_secret_file(k, bad, plain, &err) && plain.empty() &&
               err.find("authentication tag mismatch") != std::string::npos);
    }
    auto wrong = k;
    wrong[0] ^= 0x80;
    EXPECT(!aes_gcm::open_secret_file(wrong, file, plain, &err) && err.find("authentication tag mismatch") != std::string::npos);
    EXPECT(!aes_gcm::open_secret_file(std::vector<uint8_t>(k.begin(), k.begin() + 16), file, plain, &err) &&
           err.find("expected 32") != std::string::npos);
    EXPECT(!aes_gcm::open_secret_file(k, std::vector<uint8_t>(file.begin(), file.begin() + 27), plain, &err) &&
           err.find("too short") != std::string::npos);

    if (failures) {
        std::printf("aes_gcm_test: %d failure(s)\n", failures);
        return 1;
    }
    std::printf("aes_gcm_test: FIPS 197 + GCM test cases 13-16 + file format: all passed\n");
    return 0;
}
