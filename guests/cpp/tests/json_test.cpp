// Native unit test of attestation.hpp's JSON reader and result parsing (built and run by scripts/build-guests.sh --check):
//   clang++-14 -std=c++17 -fno-exceptions -I ../include json_test.cpp -o /tmp/json_test && /tmp/json_test
#include <cstdio>
#include <cstring>

#include "attestation.hpp"
#include "check.hpp"

using namespace wasmtime_attestation;

static bool ok(const char* s) { JsonValue v; return detail::parse_json(s, v); }

TEST(parses_objects_arrays_and_literals) {
    JsonValue v;
    CHECK(detail::parse_json(R"({"z":1,"a":[1,-2.5e1,{"x":null}],"t":true,"f":false,"e":{}})", v));
    CHECK(v.is_object() && v.keys.size() == 5 && v.keys[0] == "z" && v.keys[1] == "a");
    CHECK(v.get_int("z") == 1);
    CHECK(v.get("a")->items[1].number == -25.0);
    CHECK(v.get("a")->items[2].get("x")->is_null());
    CHECK(v.get_bool("t") == true && v.get_bool("f") == false && !v.get_bool("z"));
}

TEST(decodes_string_escapes_and_utf8) {
    JsonValue v;
    CHECK(detail::parse_json(R"("a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00")", v));
    CHECK(v.string == "a\"b\\c/d\b\f\n\r\tA\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    CHECK(detail::parse_json("\"\xE2\x9C\x93 ok\"", v) && v.string == "\xE2\x9C\x93 ok");
}

TEST(rejects_malformed_json_and_deep_nesting) {
    const char* bad[] = {"", " ", "{", "[1,]", "{\"a\":1,}", "{a:1}", "[1 2]", "nul", "true false", "01", "-", "1.",
                         ".5", "1e", "+1", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"", "\"\\x\"", "\"\\u12G4\"",
                         "\"a\nb\"", "\"abc", "{\"a\":}", "NaN"};
    for (const char* b : bad) {
        if (ok(b)) {
            std::printf("  FAIL: accepted %s\n", b);
            ++check::failed_checks();
        }
    }
    std::string deep(129, '['), close(129, ']');
    CHECK(!ok((deep + close).c_str()));
    CHECK(ok((std::string(128, '[') + std::string(128, ']')).c_str()));
}

TEST(parses_attestation_results) {
    AttestationResult r = AttestationResult::from_json(
        R"({"success":false,"token":null,"evidence":null,"error":"No TEE attestation available. Not running in a Confidential VM (Intel TDX or AMD SEV-SNP)?","timestamp":1763735568})");
    CHECK(!r.success && !r.token && r.timestamp == 1763735568 && !r.tee_type && !r.simulated);
    CHECK(r.error && r.error->rfind("No TEE attestation available.", 0) == 0);

    JsonValue v;
    r = AttestationResult::from_json(
        R"({"success":true,"token":"a.b.c","evidence":"{\"quote_size\":1}","error":null,"timestamp":5,"tee_type":"Intel TDX","simulated":true})");
    CHECK(r.success && r.token == std::string("a.b.c") && r.tee_type == std::string("Intel TDX") && r.simulated);
    CHECK(detail::parse_json(*r.evidence, v) && v.get_int("quote_size") == 1);

    r = AttestationResult::from_json("{\"token\":\"x\"}");
    CHECK(!r.success && r.error);
    r = AttestationResult::from_json("not json");
    CHECK(!r.success && r.error && r.error->rfind("Invalid JSON from host", 0) == 0);
}

TEST(reports_the_gpu_name_and_no_tee) {
    AttestationResult r = AttestationResult::from_json(
        R"({"success":true,"token":"t","evidence":"{\"platform\":\"nvidia\",\"name\":\"NVIDIA H100 (simulated)\"}","error":null,"timestamp":1})");
    CHECK(gpu_display_name(r, 0) == "H100");
    r = AttestationResult::from_json(
        R"({"success":true,"token":"t","evidence":"{\"tee_type\":\"NVIDIA_GPU\",\"fields\":{\"name\":\"NVIDIA H100 (simulated)\"}}","error":null,"timestamp":1})");
    CHECK(gpu_display_name(r, 0) == "H100");
    r = AttestationResult::from_json(
        R"({"success":true,"token":"t","evidence":"{\"hwmodel\":\"GH100 A01 GSP BROM\",\"name\":\"NVIDIA H100 NVL\"}","error":null,"timestamp":1})");
    CHECK(gpu_display_name(r, 0) == "H100 NVL");
    r = AttestationResult::from_json(R"({"success":true,"token":"t","evidence":"{\"hwmodel\":\"GH100 A01 GSP BROM\"}","error":null,"timestamp":1})");
    CHECK(gpu_display_name(r, 0) == "GH100 A01 GSP BROM");
    r = AttestationResult::from_json(R"({"success":true,"token":"t","error":null,"timestamp":1})");
    CHECK(gpu_display_name(r, 3) == "GPU 3");
    CHECK(is_no_tee_error("No TEE attestation available. Not running in a Confidential VM (Intel TDX or AMD SEV-SNP)?"));
    CHECK(!is_no_tee_error("AMD SEV-SNP attestation failed: x"));
}

TEST(native_stubs_fail_cleanly) {
    CHECK(!attest_vm().success && !attest_gpu(0).success && !verify_token("a.b.c"));
    CHECK(detect_tee_type().error.has_value());
    CHECK(verify_token_json("a.b.c").error.has_value());
}

TEST(parses_secret_results) {
    SecretResult sr = detail::secret_from_json(R"({"success":true,"name":"demo","secret":"AQID+w==","length":4})");
    CHECK(sr.success && sr.secret == (std::vector<uint8_t>{1, 2, 3, 0xfb}) && sr.name == "demo" && !sr.error);
    sr = detail::secret_from_json(R"({"success":false,"name":"demo","error":"policy forbids simulated platforms"})");
    CHECK(!sr.success && sr.secret.empty() && sr.error == std::string("policy forbids simulated platforms"));
    sr = detail::secret_from_json(R"({"success":true,"name":"demo","secret":"a$"})");
    CHECK(!sr.success && sr.error);
    std::vector<uint8_t> b;
    CHECK(detail::base64_decode("aGVsbG8", b) && std::string(b.begin(), b.end()) == "hello");
    CHECK(!detail::base64_decode("a", b));
    CHECK(!get_secret("demo").success && get_secret("demo").error);
}

TEST(parses_composite_results_and_the_measurement_log) {
    CompositeResult r = CompositeResult::from_json(
        R"({"success":true,"token":"a.b.c","evidence":"{}","error":null,"timestamp":9,"tee_type":"composite","simulated":true,)"
        R"("devices":[{"device":"VM","tee_type":"AMD SEV-SNP","success":true,"measurement":"aa","error":null},)"
        R"({"device":"GPU 0","gpu_index":0,"uuid":"GPU-1","tee_type":"NVIDIA GPU","success":true,"measurement":"bb","error":null}]})");
    CHECK(r.success && r.simulated && r.token == std::string("a.b.c") && r.devices.size() == 2);
    CHECK(!r.devices[0].gpu_index && r.devices[1].gpu_index == 0 && r.devices[1].uuid == std::string("GPU-1"));
    r = CompositeResult::from_json(R"({"success":false,"token":null,"error":"GPU 1 (GPU-2): x","timestamp":9,"devices":[]})");
    CHECK(!r.success && r.error && r.error->rfind("GPU 1", 0) == 0);
    r = CompositeResult::from_json(R"({"success":true})");
    CHECK(!r.success && r.error);
    MeasurementLog m = MeasurementLog::from_json(R"({"algorithm":"sha256","value":"00","length":2,"workload_sha256":null})");
    CHECK(m.ok && m.length == 2 && m.value == "00" && !m.workload_sha256);
    CHECK(!MeasurementLog::from_json(R"({"algorithm":"sha256","length":2})").ok);
    CHECK(!attest_all(std::vector<uint8_t>{1, 2}).success && !measurement_log().ok);
}

int main(int argc, char** argv) { return check::run_all(argc, argv); }
