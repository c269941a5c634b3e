// aes_gcm_bench.cpp — decryption cost of wasmwebgpu-ml/src/aes_gcm.hpp on `tee-wasm kbs encrypt` files (the
// secure-training demo's data set). Same interface and output as the Rust guests/rust/wasm-ml/examples/aes_gcm_bench.rs:
//   aes_gcm_bench --key-file K [--reps N] FILE.enc...     (K: 32 raw bytes or 64 hex digits; N default 20)
// Per file: tag check + decryption N times, minimum and median in ms, MB/s. Runs natively and as a wasm guest
// (tee-wasm run --dir DIR::data aes_gcm_bench_cpp.wasm -- --key-file data/key data/....enc); bench/aes-gcm.sh runs
// both. Exit 1 when a file does not open, 2 for bad arguments.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "aes_gcm.hpp"

namespace {

[[noreturn]] void usage(const std::string& msg) {
    std::fprintf(stderr, "aes_gcm_bench: %s\nusage: aes_gcm_bench --key-file K [--reps N] FILE.enc...\n", msg.c_str());
    std::exit(2);
}

bool read_file(const std::string& path, std::vector<uint8_t>& out) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    uint8_t buf[8192];
    size_t n;
    out.clear();
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
    std::fclose(f);
    return true;
}

std::vector<uint8_t> read_key(const std::string& path) {
    std::vector<uint8_t> bytes;
    if (!read_file(path, bytes)) usage("cannot read the key file " + path);
    if (bytes.size() == 32) return bytes;
    std::string hex(bytes.begin(), bytes.end());
    while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
    if (hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
        std::vector<uint8_t> key(32);
        for (size_t i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
        return key;
    }
    usage(path + ": expected 32 raw bytes or 64 hex digits, got " + std::to_string(bytes.size()) + " bytes");
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<uint8_t> key;
    size_t reps = 20;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--key-file") {
            if (++i >= argc) usage("--key-file needs a file");
            key = read_key(argv[i]);
        } else if (a == "--reps") {
            if (++i >= argc) usage("--reps needs a positive number");
            char* end = nullptr;
            unsigned long n = std::strtoul(argv[i], &end, 10);
            if (!end || *end || n == 0) usage("--reps needs a positive number");
            reps = n;
        } else if (a.rfind("--", 0) == 0) {
            usage("unknown option " + a);
        } else {
            files.push_back(a);
        }
    }
    if (key.empty()) usage("--key-file is required");
    if (files.empty()) usage("no files given");
    size_t total_bytes = 0;
    double total_min = 0;
    for (const std::string& path : files) {
        std::vector<uint8_t> data, plain;
        if (!read_file(path, data)) {
            std::fprintf(stderr, "aes_gcm_bench: cannot read %s\n", path.c_str());
            return 1;
        }
        std::vector<double> times;
        for (size_t r = 0; r < reps; ++r) {
            std::string err;
            auto t = std::chrono::steady_clock::now();
            bool ok = aes_gcm::open_secret_file(key, data, plain, &err);
            times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
            if (!ok || plain.size() + 28 != data.size()) {
                std::fprintf(stderr, "aes_gcm_bench: %s: %s\n", path.c_str(), err.c_str());
                return 1;
            }
        }
        std::sort(times.begin(), times.end());
        double min = times[0], median = times[times.size() / 2];
        std::printf("%s: %zu bytes, decrypt+verify min %.3f ms, median %.3f ms (%zu reps), %.2f MB/s\n", path.c_str(),
                    data.size(), min, median, reps, static_cast<double>(data.size()) / 1e3 / min);
        total_bytes += data.size();
        total_min += min;
    }
    std::printf("total: %zu bytes in %.3f ms (sum of minima), %.2f MB/s\n", total_bytes, total_min,
                static_cast<double>(total_bytes) / 1e3 / total_min);
    return 0;
}
