// attestation.hpp — header-only C++17 guest bindings for the TeeWasm host module `wasmtime_attestation`.
//
// No third-party dependencies; compiles with -fno-exceptions.
//
// Host ABI: the JSON-returning imports return a pointer to `[u32 LE length][UTF-8 JSON]` that the host
// allocated in guest memory through the guest's exported `cabi_realloc(0, 0, align, 4 + len)`; 0 means
// the host could not write a result. The guest owns that block; these bindings copy the JSON out and
// free() it (only when the pointer lies in the malloc heap, i.e. >= __heap_base, so a result an old host
// wrote at a fixed offset is never passed to free()).
//
// The guest must export `cabi_realloc`: this header provides a weak one (see the end of the file), which
// guests/cpp/src/cabi_realloc.c or the guest's own definition replaces; WASMTIME_ATTESTATION_NO_CABI_REALLOC turns
// it off. A guest without one gets its results in the host's result area (docs/attestation-abi.md): pages past the
// guest's memory that the host owns and reuses, so with WASMTIME_ATTESTATION_NO_CABI_REALLOC nothing is freed.
//
// Only the imports a guest actually uses end up in its .wasm. attest_vm/attest_gpu/verify_token/
// clear_cache/detect_tee exist in the original host too; the nonce variants, verify_token_json, get_secret,
// measurement_log and attest_all(nonce) are TeeWasm extensions. attest_all(gpu_index) uses only the original imports.
#ifndef WASMTIME_ATTESTATION_HPP
#define WASMTIME_ATTESTATION_HPP

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wasmtime_attestation {

// ------------------------------------------------------------------------------------------------
// Raw host imports
// ------------------------------------------------------------------------------------------------
namespace raw {
#if defined(__wasm__)
#define WASMTIME_ATTESTATION_IMPORT(name) \
    __attribute__((import_module("wasmtime_attestation"), import_name(#name)))
extern "C" {
WASMTIME_ATTESTATION_IMPORT(attest_vm) int32_t __wasmtime_attestation_attest_vm(void);
WASMTIME_ATTESTATION_IMPORT(attest_gpu) int32_t __wasmtime_attestation_attest_gpu(int32_t gpu_index);
WASMTIME_ATTESTATION_IMPORT(verify_token) int32_t __wasmtime_attestation_verify_token(const char* ptr, int32_t len);
WASMTIME_ATTESTATION_IMPORT(clear_cache) void __wasmtime_attestation_clear_cache(void);
WASMTIME_ATTESTATION_IMPORT(detect_tee) int32_t __wasmtime_attestation_detect_tee(void);
WASMTIME_ATTESTATION_IMPORT(attest_vm_nonce) int32_t __wasmtime_attestation_attest_vm_nonce(const uint8_t* ptr, int32_t len);
WASMTIME_ATTESTATION_IMPORT(attest_gpu_nonce) int32_t __wasmtime_attestation_attest_gpu_nonce(int32_t gpu_index, const uint8_t* ptr, int32_t len);
WASMTIME_ATTESTATION_IMPORT(verify_token_json) int32_t __wasmtime_attestation_verify_token_json(const char* ptr, int32_t len);
WASMTIME_ATTESTATION_IMPORT(get_secret) int32_t __wasmtime_attestation_get_secret(const char* ptr, int32_t len);
WASMTIME_ATTESTATION_IMPORT(attest_all) int32_t __wasmtime_attestation_attest_all(const uint8_t* ptr, int32_t len);
WASMTIME_ATTESTATION_IMPORT(measurement_log) int32_t __wasmtime_attestation_measurement_log(void);
extern unsigned char __heap_base;  // provided by wasm-ld
}
#undef WASMTIME_ATTESTATION_IMPORT
inline int32_t attest_vm() { return __wasmtime_attestation_attest_vm(); }
inline int32_t attest_gpu(uint32_t i) { return __wasmtime_attestation_attest_gpu(static_cast<int32_t>(i)); }
inline int32_t verify_token(const char* p, int32_t n) { return __wasmtime_attestation_verify_token(p, n); }
inline void clear_cache() { __wasmtime_attestation_clear_cache(); }
inline int32_t detect_tee() { return __wasmtime_attestation_detect_tee(); }
inline int32_t attest_vm_nonce(const uint8_t* p, int32_t n) { return __wasmtime_attestation_attest_vm_nonce(p, n); }
inline int32_t attest_gpu_nonce(uint32_t i, const uint8_t* p, int32_t n) {
    return __wasmtime_attestation_attest_gpu_nonce(static_cast<int32_t>(i), p, n);
}
inline int32_t verify_token_json(const char* p, int32_t n) { return __wasmtime_attestation_verify_token_json(p, n); }
inline int32_t get_secret(const char* p, int32_t n) { return __wasmtime_attestation_get_secret(p, n); }
inline int32_t attest_all(const uint8_t* p, int32_t n) { return __wasmtime_attestation_attest_all(p, n); }
inline int32_t measurement_log() { return __wasmtime_attestation_measurement_log(); }
#else
// Native stand-ins (for unit tests of the JSON reader): every call fails.
inline int32_t attest_vm() { return 0; }
inline int32_t attest_gpu(uint32_t) { return 0; }
inline int32_t verify_token(const char*, int32_t) { return 0; }
inline void clear_cache() {}
inline int32_t detect_tee() { return 0; }
inline int32_t attest_vm_nonce(const uint8_t*, int32_t) { return 0; }
inline int32_t attest_gpu_nonce(uint32_t, const uint8_t*, int32_t) { return 0; }
inline int32_t verify_token_json(const char*, int32_t) { return 0; }
inline int32_t get_secret(const char*, int32_t) { return 0; }
inline int32_t attest_all(const uint8_t*, int32_t) { return 0; }
inline int32_t measurement_log() { return 0; }
#endif
}  // namespace raw

constexpr const char* kNullPointerError = "Host returned null pointer";

// ------------------------------------------------------------------------------------------------
// Minimal JSON reader (RFC 8259). Objects keep document order; numbers are double.
// ------------------------------------------------------------------------------------------------
namespace detail {

struct JsonValue {
    enum class Kind { Null, Bool, Number, String, Array, Object };
    Kind kind = Kind::Null;
    bool boolean = false;
    double number = 0.0;
    std::string string;
    std::vector<JsonValue> items;       // Array elements, or Object values
    std::vector<std::string> keys;      // Object keys (parallel to items)

    bool is_null() const { return kind == Kind::Null; }
    bool is_bool() const { return kind == Kind::Bool; }
    bool is_number() const { return kind == Kind::Number; }
    bool is_string() const { return kind == Kind::String; }
    bool is_array() const { return kind == Kind::Array; }
    bool is_object() const { return kind == Kind::Object; }

    // Member `key` of an object (first match), nullptr otherwise.
    const JsonValue* get(const std::string& key) const {
        if (kind != Kind::Object) return nullptr;
        for (size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == key) return &items[i];
        return nullptr;
    }
    std::optional<bool> get_bool(const std::string& key) const {
        const JsonValue* v = get(key);
        if (v && v->is_bool()) return v->boolean;
        return std::nullopt;
    }
    std::optional<std::string> get_string(const std::string& key) const {
        const JsonValue* v = get(key);
        if (v && v->is_string()) return v->string;
        return std::nullopt;
    }
    std::optional<int64_t> get_int(const std::string& key) const {
        const JsonValue* v = get(key);
        if (v && v->is_number() && v->number == static_cast<double>(static_cast<int64_t>(v->number)) &&
            v->number >= -9.2233720368547758e18 && v->number < 9.2233720368547758e18)
            return static_cast<int64_t>(v->number);
        return std::nullopt;
    }
};

class JsonParser {
public:
    static constexpr int kMaxDepth = 128;

    JsonParser(const char* s, size_t n) : s_(s), n_(n) {}

    bool parse(JsonValue& out, std::string* error) {
        ws();
        if (!value(out, 0)) return fail_out(error);
        ws();
        if (i_ != n_) {
            err_ = "trailing characters after JSON value";
            return fail_out(error);
        }
        return true;
    }

private:
    const char* s_;
    size_t n_;
    size_t i_ = 0;
    std::string err_;

    bool fail_out(std::string* error) {
        if (error) *error = "JSON parse error at byte " + std::to_string(i_) + ": " + err_;
        return false;
    }
    bool fail(const char* m) {
        err_ = m;
        return false;
    }
    int peek() const { return i_ < n_ ? static_cast<unsigned char>(s_[i_]) : -1; }
    void ws() {
        while (i_ < n_ && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool literal(const char* w) {
        size_t len = std::strlen(w);
        if (n_ - i_ >= len && std::memcmp(s_ + i_, w, len) == 0) {
            i_ += len;
            return true;
        }
        return fail("invalid literal");
    }
    static bool digit(int c) { return c >= '0' && c <= '9'; }

    bool value(JsonValue& v, int depth) {
        int c = peek();
        switch (c) {
            case -1: return fail("unexpected end of input");
            case 'n': v.kind = JsonValue::Kind::Null; return literal("null");
            case 't': v.kind = JsonValue::Kind::Bool; v.boolean = true; return literal("true");
            case 'f': v.kind = JsonValue::Kind::Bool; v.boolean = false; return literal("false");
            case '"': v.kind = JsonValue::Kind::String; return string(v.string);
            case '[': return array(v, depth + 1);
            case '{': return object(v, depth + 1);
            default:
                if (c == '-' || digit(c)) return number(v);
                return fail("unexpected character");
        }
    }

    bool array(JsonValue& v, int depth) {
        if (depth > kMaxDepth) return fail("nesting too deep");
        v.kind = JsonValue::Kind::Array;
        ++i_;
        ws();
        if (peek() == ']') { ++i_; return true; }
        for (;;) {
            ws();
            v.items.emplace_back();
            if (!value(v.items.back(), depth)) return false;
            ws();
            int c = peek();
            if (c == ',') { ++i_; continue; }
            if (c == ']') { ++i_; return true; }
            return fail("expected ',' or ']' in array");
        }
    }

    bool object(JsonValue& v, int depth) {
        if (depth > kMaxDepth) return fail("nesting too deep");
        v.kind = JsonValue::Kind::Object;
        ++i_;
        ws();
        if (peek() == '}') { ++i_; return true; }
        for (;;) {
            ws();
            if (peek() != '"') return fail("expected string key in object");
            v.keys.emplace_back();
            if (!string(v.keys.back())) return false;
            ws();
            if (peek() != ':') return fail("expected ':' after object key");
            ++i_;
            ws();
            v.items.emplace_back();
            if (!value(v.items.back(), depth)) return false;
            ws();
            int c = peek();
            if (c == ',') { ++i_; continue; }
            if (c == '}') { ++i_; return true; }
            return fail("expected ',' or '}' in object");
        }
    }

    bool number(JsonValue& v) {
        size_t start = i_;
        if (peek() == '-') ++i_;
        if (peek() == '0') {
            ++i_;
        } else if (digit(peek())) {
            while (digit(peek())) ++i_;
        } else {
            return fail("invalid number");
        }
        if (peek() == '.') {
            ++i_;
            if (!digit(peek())) return fail("expected digit after decimal point");
            while (digit(peek())) ++i_;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++i_;
            if (peek() == '+' || peek() == '-') ++i_;
            if (!digit(peek())) return fail("expected digit in exponent");
            while (digit(peek())) ++i_;
        }
        std::string text(s_ + start, i_ - start);
        v.kind = JsonValue::Kind::Number;
        v.number = std::strtod(text.c_str(), nullptr);
        return true;
    }

    bool hex4(uint32_t& out) {
        if (n_ - i_ < 4) return fail("truncated \\u escape");
        out = 0;
        for (int k = 0; k < 4; ++k) {
            int c = static_cast<unsigned char>(s_[i_]);
            uint32_t d;
            if (c >= '0' && c <= '9') d = static_cast<uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f') d = static_cast<uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') d = static_cast<uint32_t>(c - 'A' + 10);
            else return fail("invalid hex digit in \\u escape");
            out = out * 16 + d;
            ++i_;
        }
        return true;
    }

    static void put_utf8(std::string& o, uint32_t cp) {
        if (cp < 0x80) {
            o += static_cast<char>(cp);
        } else if (cp < 0x800) {
            o += static_cast<char>(0xC0 | (cp >> 6));
            o += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            o += static_cast<char>(0xE0 | (cp >> 12));
            o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            o += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            o += static_cast<char>(0xF0 | (cp >> 18));
            o += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            o += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    bool string(std::string& o) {
        ++i_;  // opening quote
        o.clear();
        for (;;) {
            int c = peek();
            if (c < 0) return fail("unterminated string");
            if (c == '"') { ++i_; return true; }
            if (c < 0x20) return fail("unescaped control character in string");
            if (c != '\\') { o += static_cast<char>(c); ++i_; continue; }
            ++i_;
            int e = peek();
            if (e < 0) return fail("unterminated escape");
            ++i_;
            switch (e) {
                case '"': o += '"'; break;
                case '\\': o += '\\'; break;
                case '/': o += '/'; break;
                case 'b': o += '\b'; break;
                case 'f': o += '\f'; break;
                case 'n': o += '\n'; break;
                case 'r': o += '\r'; break;
                case 't': o += '\t'; break;
                case 'u': {
                    uint32_t hi;
                    if (!hex4(hi)) return false;
                    uint32_t cp = hi;
                    if (hi >= 0xD800 && hi < 0xDC00) {
                        if (n_ - i_ < 2 || s_[i_] != '\\' || s_[i_ + 1] != 'u')
                            return fail("lone high surrogate in \\u escape");
                        i_ += 2;
                        uint32_t lo;
                        if (!hex4(lo)) return false;
                        if (lo < 0xDC00 || lo >= 0xE000) return fail("invalid low surrogate in \\u escape");
                        cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    } else if (hi >= 0xDC00 && hi < 0xE000) {
                        return fail("lone low surrogate in \\u escape");
                    }
                    put_utf8(o, cp);
                    break;
                }
                default:
                    --i_;
                    return fail("invalid escape character");
            }
        }
    }
};

inline bool parse_json(const std::string& text, JsonValue& out, std::string* error = nullptr) {
    out = JsonValue();
    JsonParser p(text.data(), text.size());
    return p.parse(out, error);
}

// Copy the host result `[u32 LE len][bytes]` at `ptr` and release the block. nullopt + *error on failure.
inline std::optional<std::string> take_host_string(int32_t ptr, std::string* error) {
    if (ptr == 0) {
        if (error) *error = kNullPointerError;
        return std::nullopt;
    }
#if defined(__wasm__)
    uintptr_t base = static_cast<uintptr_t>(static_cast<uint32_t>(ptr));
    uintptr_t mem_end = static_cast<uintptr_t>(__builtin_wasm_memory_size(0)) * 65536u;
    if (base > mem_end || mem_end - base < 4) {
        if (error) *error = "Host returned an out-of-bounds pointer";
        return std::nullopt;
    }
    uint32_t len;
    std::memcpy(&len, reinterpret_cast<const void*>(base), 4);  // wasm32 is little-endian
    if (static_cast<uintptr_t>(len) > mem_end - base - 4) {
        if (error) *error = "Host returned an out-of-bounds length";
        return std::nullopt;
    }
    std::string s(reinterpret_cast<const char*>(base + 4), len);
#if !defined(WASMTIME_ATTESTATION_NO_CABI_REALLOC)
    if (base >= reinterpret_cast<uintptr_t>(&raw::__heap_base)) std::free(reinterpret_cast<void*>(base));
#endif  // without cabi_realloc the block is the host's result area: never ours to free
    return s;
#else
    if (error) *error = "wasmtime_attestation is only available to wasm32 guests";
    return std::nullopt;
#endif
}

inline int32_t clamp_len(size_t n) { return n > 0x7FFFFFFFu ? 0x7FFFFFFF : static_cast<int32_t>(n); }

}  // namespace detail

using JsonValue = detail::JsonValue;

// ------------------------------------------------------------------------------------------------
// Typed results
// ------------------------------------------------------------------------------------------------

struct AttestationResult {
    bool success = false;
    std::optional<std::string> token;
    std::optional<std::string> evidence;  // itself a JSON text
    std::optional<std::string> error;
    int64_t timestamp = 0;                // Unix seconds
    std::optional<std::string> tee_type;
    bool simulated = false;               // produced by the host's simulator

    static AttestationResult failure(std::string message) {
        AttestationResult r;
        r.error = std::move(message);
        return r;
    }

    // Parse the host's JSON. Malformed JSON or a missing `success` gives success=false with an error.
    static AttestationResult from_json(const std::string& json) {
        JsonValue v;
        std::string err;
        if (!detail::parse_json(json, v, &err)) return failure("Invalid JSON from host: " + err);
        std::optional<bool> ok = v.get_bool("success");
        if (!ok) return failure("Invalid AttestationResult: missing boolean 'success'");
        AttestationResult r;
        r.success = *ok;
        r.token = v.get_string("token");
        r.evidence = v.get_string("evidence");
        r.error = v.get_string("error");
        r.timestamp = v.get_int("timestamp").value_or(0);
        r.tee_type = v.get_string("tee_type");
        r.simulated = v.get_bool("simulated").value_or(false);
        if (!r.success && !r.error) r.error = "Attestation failed (host gave no reason)";
        return r;
    }
};

struct TeeInfo {
    std::string tee_type = "None";  // "None" | "Intel TDX" | "AMD SEV-SNP" | "AMD SEV"
    bool supports_attestation = false;
    bool simulated = false;
    std::optional<std::string> error;  // set when detection itself failed (tee_type is then "Unknown")
};

struct TokenVerification {
    bool valid = false;
    std::optional<std::string> reason;
    std::optional<std::string> issuer;
    JsonValue claims;                   // an object, or null
    std::optional<std::string> error;   // set when the host gave no usable answer (valid is false)
};

// Result of get_secret. `secret` holds the released bytes; never print it.
struct SecretResult {
    bool success = false;
    std::string name;
    std::vector<uint8_t> secret;
    std::optional<std::string> error;  // why it was not released (or why the host's answer was unusable)
};

namespace detail {
// Standard base64 (padding optional) to bytes; false on any other character.
inline bool base64_decode(const std::string& in, std::vector<uint8_t>& out) {
    auto val = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    size_t n = in.size();
    while (n > 0 && in[n - 1] == '=') --n;
    if (n % 4 == 1) return false;
    out.clear();
    out.reserve(n * 3 / 4);
    for (size_t i = 0; i < n; i += 4) {
        uint32_t acc = 0;
        size_t k = 0;
        for (; k < 4 && i + k < n; ++k) {
            int v = val(in[i + k]);
            if (v < 0) return false;
            acc |= static_cast<uint32_t>(v) << (18 - 6 * k);
        }
        out.push_back(static_cast<uint8_t>(acc >> 16));
        if (k > 2) out.push_back(static_cast<uint8_t>(acc >> 8));
        if (k > 3) out.push_back(static_cast<uint8_t>(acc));
    }
    return true;
}

inline SecretResult secret_from_json(const std::string& text) {
    SecretResult r;
    std::string err;
    JsonValue v;
    if (!parse_json(text, v, &err)) {
        r.error = err;
        return r;
    }
    std::optional<bool> ok = v.get_bool("success");
    if (!ok) {
        r.error = "Invalid secret result: missing boolean 'success'";
        return r;
    }
    r.name = v.get_string("name").value_or("");
    if (*ok) {
        std::optional<std::string> b64 = v.get_string("secret");
        if (!b64 || !base64_decode(*b64, r.secret)) {
            r.secret.clear();
            r.error = "Invalid secret result: 'secret' missing or not base64";
            return r;
        }
        r.success = true;
    } else {
        r.error = v.get_string("error").value_or("secret not released (host gave no reason)");
    }
    return r;
}

inline AttestationResult attestation_from_ptr(int32_t ptr) {
    std::string err;
    std::optional<std::string> s = take_host_string(ptr, &err);
    if (!s) return AttestationResult::failure(err);
    return AttestationResult::from_json(*s);
}
}  // namespace detail

// ------------------------------------------------------------------------------------------------
// API
// ------------------------------------------------------------------------------------------------

inline TeeInfo detect_tee_type() {
    TeeInfo info;
    std::string err;
    std::optional<std::string> s = detail::take_host_string(raw::detect_tee(), &err);
    JsonValue v;
    if (s && !detail::parse_json(*s, v, &err)) s.reset();
    std::optional<std::string> type;
    if (s) {
        type = v.get_string("tee_type");
        if (!type) err = "Invalid TEE detection: missing 'tee_type'";
    }
    if (!type) {
        info.tee_type = "Unknown";
        info.error = err;
        return info;
    }
    info.tee_type = *type;
    info.supports_attestation = v.get_bool("supports_attestation").value_or(false);
    info.simulated = v.get_bool("simulated").value_or(false);
    return info;
}

inline AttestationResult attest_vm() { return detail::attestation_from_ptr(raw::attest_vm()); }

inline AttestationResult attest_gpu(uint32_t gpu_index = 0) {
    return detail::attestation_from_ptr(raw::attest_gpu(gpu_index));
}

// TeeWasm extension: bind a relying party's nonce into the evidence.
inline AttestationResult attest_vm(const std::vector<uint8_t>& nonce) {
    return detail::attestation_from_ptr(raw::attest_vm_nonce(nonce.data(), detail::clamp_len(nonce.size())));
}

// TeeWasm extension.
inline AttestationResult attest_gpu(uint32_t gpu_index, const std::vector<uint8_t>& nonce) {
    return detail::attestation_from_ptr(
        raw::attest_gpu_nonce(gpu_index, nonce.data(), detail::clamp_len(nonce.size())));
}

// 1 from the host => true.
inline bool verify_token(const std::string& token) {
    return raw::verify_token(token.data(), detail::clamp_len(token.size())) == 1;
}

// TeeWasm extension: verification with reason, issuer and claims.
inline TokenVerification verify_token_json(const std::string& token) {
    TokenVerification r;
    std::string err;
    std::optional<std::string> s =
        detail::take_host_string(raw::verify_token_json(token.data(), detail::clamp_len(token.size())), &err);
    JsonValue v;
    if (s && !detail::parse_json(*s, v, &err)) s.reset();
    std::optional<bool> valid;
    if (s) {
        valid = v.get_bool("valid");
        if (!valid) err = "Invalid token verification: missing boolean 'valid'";
    }
    if (!valid) {
        r.error = err;
        return r;
    }
    r.valid = *valid;
    r.reason = v.get_string("reason");
    r.issuer = v.get_string("issuer");
    if (const JsonValue* c = v.get("claims")) r.claims = *c;
    return r;
}

// TeeWasm extension: ask the host for the secret `name` ("repository/type/tag", or a bare tag for
// "default/secret/tag"). The host attests to its key broker (tee-wasm run --kbs URL), which releases the secret only
// when its policy accepts the attestation.
inline SecretResult get_secret(const std::string& name) {
    std::string err;
    std::optional<std::string> s =
        detail::take_host_string(raw::get_secret(name.data(), detail::clamp_len(name.size())), &err);
    if (!s) {
        SecretResult r;
        r.name = name;
        r.error = err;
        return r;
    }
    return detail::secret_from_json(*s);
}

// One device of a composite result: the VM or one GPU.
struct DeviceResult {
    std::string device;                  // "VM" or "GPU i"
    std::optional<int64_t> gpu_index;    // absent for the VM
    std::optional<std::string> uuid;     // the GPU's UUID as its collector states it
    std::optional<std::string> tee_type;
    bool success = false;
    std::optional<std::string> measurement;  // hex, when it verified
    std::optional<std::string> error;
};

// Result of attest_all(nonce): the VM and every GPU over one nonce and one host key, one token with each device's
// claims, one verdict; `error` names every device that failed.
struct CompositeResult {
    bool success = false;
    std::optional<std::string> token;
    std::optional<std::string> evidence;  // the composite evidence, itself a JSON text
    std::optional<std::string> error;
    int64_t timestamp = 0;
    bool simulated = false;
    std::vector<DeviceResult> devices;

    // Parse the host's JSON; malformed JSON or missing `success`/`devices` gives success=false with an error.
    static CompositeResult from_json(const std::string& json) {
        CompositeResult r;
        JsonValue v;
        std::string err;
        if (!detail::parse_json(json, v, &err)) {
            r.error = "Invalid JSON from host: " + err;
            return r;
        }
        std::optional<bool> success = v.get_bool("success");
        const JsonValue* devices = v.get("devices");
        if (!success || !devices || !devices->is_array()) {
            r.error = "Invalid composite result: missing 'success' or 'devices'";
            return r;
        }
        r.success = *success;
        r.token = v.get_string("token");
        r.evidence = v.get_string("evidence");
        r.error = v.get_string("error");
        r.timestamp = v.get_int("timestamp").value_or(0);
        r.simulated = v.get_bool("simulated").value_or(false);
        for (const JsonValue& d : devices->items) {
            DeviceResult dr;
            dr.device = d.get_string("device").value_or("");
            dr.gpu_index = d.get_int("gpu_index");
            dr.uuid = d.get_string("uuid");
            dr.tee_type = d.get_string("tee_type");
            dr.success = d.get_bool("success").value_or(false);
            dr.measurement = d.get_string("measurement");
            dr.error = d.get_string("error");
            r.devices.push_back(std::move(dr));
        }
        return r;
    }
};

// Result of measurement_log(): the run's runtime measurement log (every WGSL shader compiled and wasi:gpu kernel kind
// dispatched so far, as a hash chain) and the workload digest bound into the run's reports.
struct MeasurementLog {
    bool ok = false;
    std::string algorithm;
    std::string value;  // hex
    int64_t length = 0;  // how many entries the value covers
    std::optional<std::string> workload_sha256;
    std::optional<std::string> error;

    static MeasurementLog from_json(const std::string& json) {
        MeasurementLog m;
        JsonValue v;
        std::string err;
        if (!detail::parse_json(json, v, &err)) {
            m.error = "Invalid JSON from host: " + err;
            return m;
        }
        std::optional<std::string> algorithm = v.get_string("algorithm"), value = v.get_string("value");
        std::optional<int64_t> length = v.get_int("length");
        if (!algorithm || !value || !length) {
            m.error = "Invalid measurement log: missing 'algorithm', 'value' or 'length'";
            return m;
        }
        m.ok = true;
        m.algorithm = *algorithm;
        m.value = *value;
        m.length = *length;
        m.workload_sha256 = v.get_string("workload_sha256");
        return m;
    }
};

// TeeWasm extension: attest the VM and every GPU over one nonce (at most 64 bytes). The result is a failure (with
// `error`) also when the host gave no usable answer.
inline CompositeResult attest_all(const uint8_t* nonce, size_t len) {
    std::string err;
    std::optional<std::string> s = detail::take_host_string(raw::attest_all(nonce, detail::clamp_len(len)), &err);
    if (!s) {
        CompositeResult r;
        r.error = err;
        return r;
    }
    return CompositeResult::from_json(*s);
}
inline CompositeResult attest_all(const std::vector<uint8_t>& nonce) { return attest_all(nonce.data(), nonce.size()); }

// TeeWasm extension: the run's runtime measurement log now.
inline MeasurementLog measurement_log() {
    std::string err;
    std::optional<std::string> s = detail::take_host_string(raw::measurement_log(), &err);
    if (!s) {
        MeasurementLog m;
        m.error = err;
        return m;
    }
    return MeasurementLog::from_json(*s);
}

inline void clear_cache() { raw::clear_cache(); }

// ------------------------------------------------------------------------------------------------
// The design document's progress lines (printed by the example and benchmark guests; details follow on the lines
// below them).
// ------------------------------------------------------------------------------------------------
inline constexpr const char* kVmAttestedLine = "✓ VM attestation successful (TDX/SEV-SNP)";
inline constexpr const char* kAllAttestedLine = "✓ All attestations passed!";
inline constexpr const char* kNoTeeLine = "❌ No TEE attestation available";

// The GPU's model for display: the evidence's "name" (top level, as the NVML path writes it, or under "fields", as
// the simulator does) without a leading "NVIDIA " or a trailing " (simulated)" ("NVIDIA H100 NVL" -> "H100 NVL"),
// else nvattest's "hwmodel", else "GPU <index>".
inline std::string gpu_display_name(const AttestationResult& r, uint32_t gpu_index) {
    JsonValue ev;
    if (r.evidence && detail::parse_json(*r.evidence, ev)) {
        auto field = [&ev](const char* key) -> std::optional<std::string> {
            if (std::optional<std::string> v = ev.get_string(key)) return v;
            const JsonValue* fields = ev.get("fields");
            return fields ? fields->get_string(key) : std::nullopt;
        };
        if (std::optional<std::string> name = field("name")) {
            std::string n = *name;
            const std::string prefix = "NVIDIA ", suffix = " (simulated)";
            if (n.rfind(prefix, 0) == 0) n.erase(0, prefix.size());
            if (n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
                n.erase(n.size() - suffix.size());
            while (!n.empty() && n.back() == ' ') n.pop_back();
            if (!n.empty()) return n;
        }
        if (std::optional<std::string> hw = field("hwmodel"))
            if (!hw->empty()) return *hw;
    }
    return "GPU " + std::to_string(gpu_index);
}

// "✓ GPU attestation successful (H100)", with the GPU's name where the evidence has it.
inline std::string gpu_attested_line(const AttestationResult& r, uint32_t gpu_index) {
    return "✓ GPU attestation successful (" + gpu_display_name(r, gpu_index) + ")";
}

// True for the host's "not in a TEE" failure ("No TEE attestation available. ...").
inline bool is_no_tee_error(const std::string& error) { return error.rfind("No TEE attestation available", 0) == 0; }

#if defined(__wasm32__)
extern "C" void __wasm_call_ctors(void);
#endif

// Runs the C/C++ constructors once; call it first thing in main(). Debian's wasi-libc (2022-05) _start does not
// call __wasm_call_ctors, so wasm-ld wraps every export of a command module -- cabi_realloc included -- in a
// wrapper that re-runs the constructors on each host call that returns a result. A program that calls
// __wasm_call_ctors itself gets no wrappers. Later calls do nothing.
inline void run_constructors_once() {
#if defined(__wasm32__)
    static bool done = false;
    if (!done) {
        done = true;
        __wasm_call_ctors();
    }
#endif
}

namespace detail {
// Prints an attestation failure on stderr: the design document's "❌ No TEE attestation available" (then the host's
// text) when there is no TEE, "❌ <what> attestation failed: <error>" otherwise.
inline void print_attestation_failure(const char* what, const AttestationResult& r) {
    std::fflush(stdout);
    const std::string error = r.success ? "host returned no token" : r.error.value_or("unknown error");
    if (is_no_tee_error(error)) {
        std::fprintf(stderr, "%s\n   %s attestation failed: %s\n", kNoTeeLine, what, error.c_str());
    } else {
        std::fprintf(stderr, "❌ %s attestation failed: %s\n", what, error.c_str());
    }
}
inline void print_attestation_details(const AttestationResult& r) {
    std::printf("  Token length: %zu chars\n", r.token->size());
    std::printf("  Timestamp: %lld\n", static_cast<long long>(r.timestamp));
    if (r.tee_type) std::printf("  TEE type: %s\n", r.tee_type->c_str());
    if (r.simulated) std::printf("  ⚠ SIMULATED evidence (not a real TEE)\n");
}
}  // namespace detail

// VM -> GPU -> verify both tokens, printing the design document's progress lines ("✓ VM attestation successful
// (TDX/SEV-SNP)", "✓ GPU attestation successful (H100)", "✓ All attestations passed!"; details below each).
// true only if all four steps passed. Failures go to stderr ("❌ No TEE attestation available" without a TEE,
// "❌ ..." otherwise). Uses only the original host's imports.
inline bool attest_all(uint32_t gpu_index = 0) {
    std::printf("🔐 [1/4] Attesting VM (TDX/SEV-SNP)...\n");
    AttestationResult vm = attest_vm();
    if (!vm.success || !vm.token || vm.token->empty()) {
        detail::print_attestation_failure("VM", vm);
        return false;
    }
    std::printf("%s\n", kVmAttestedLine);
    detail::print_attestation_details(vm);

    std::printf("\n🔐 [2/4] Attesting GPU %u...\n", static_cast<unsigned>(gpu_index));
    AttestationResult gpu = attest_gpu(gpu_index);
    if (!gpu.success || !gpu.token || gpu.token->empty()) {
        detail::print_attestation_failure("GPU", gpu);
        return false;
    }
    std::printf("%s\n", gpu_attested_line(gpu, gpu_index).c_str());
    detail::print_attestation_details(gpu);

    std::printf("\n🔍 [3/4] Verifying VM token...\n");
    if (!verify_token(*vm.token)) {
        std::fflush(stdout);
        std::fprintf(stderr, "❌ VM token verification failed!\n");
        return false;
    }
    std::printf("✓ VM token verified!\n");

    std::printf("\n🔍 [4/4] Verifying GPU token...\n");
    if (!verify_token(*gpu.token)) {
        std::fflush(stdout);
        std::fprintf(stderr, "❌ GPU token verification failed!\n");
        return false;
    }
    std::printf("✓ GPU token verified!\n");
    std::printf("\n%s\n\n", kAllAttestedLine);
    return true;
}

}  // namespace wasmtime_attestation

// ------------------------------------------------------------------------------------------------
// cabi_realloc: a WEAK exported definition, so that a guest built from this header alone gets results from the host
// (the host allocates every result block through the guest's cabi_realloc). One definition survives however many
// translation units include the header (weak symbols merge at link time), and a strong cabi_realloc — guests/cpp/
// src/cabi_realloc.c or the guest's own — replaces it without a duplicate-symbol error. Define
// WASMTIME_ATTESTATION_NO_CABI_REALLOC before including the header to export none (a first-era guest; the host then
// needs another way to hand over results). WASMTIME_ATTESTATION_DEFINE_CABI_REALLOC, which used to opt in, is
// accepted and changes nothing.
// ------------------------------------------------------------------------------------------------
#if defined(__wasm__) && !defined(WASMTIME_ATTESTATION_NO_CABI_REALLOC)
// Same semantics as guests/cpp/src/cabi_realloc.c.
extern "C" __attribute__((weak, export_name("cabi_realloc"))) void* cabi_realloc(void* old_ptr, size_t old_size,
                                                                                  size_t align, size_t new_size) {
    if (align == 0) align = 1;
    if ((align & (align - 1)) != 0) return nullptr;  // not a power of two
    if (new_size == 0) {
        std::free(old_ptr);
        return reinterpret_cast<void*>(align);  // non-null, aligned, never dereferenced
    }
    if (align <= alignof(std::max_align_t)) return std::realloc(old_ptr, new_size);
    size_t rounded = (new_size + align - 1) & ~(align - 1);
    if (rounded < new_size) return nullptr;
    void* p = std::aligned_alloc(align, rounded);
    if (p && old_ptr) {
        std::memcpy(p, old_ptr, old_size < new_size ? old_size : new_size);
        std::free(old_ptr);
    }
    return p;
}
#endif

#endif  // WASMTIME_ATTESTATION_HPP
