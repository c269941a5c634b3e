// check.hpp — the minimal test harness of the guests' native C++ tests (no dependencies, works with -fno-exceptions):
//   TEST(name) { CHECK(condition); ... }
//   int main(int argc, char** argv) { return check::run_all(argc, argv); }
// Prints "test NAME ... ok" or "... FAILED" (with each failed CHECK) per test, then the summary line
// "test result: ok. N passed; M failed; 0 ignored" in cargo's format, which scripts/build-guests.sh --check counts.
#pragma once
#include <cstdio>
#include <vector>

namespace check {

struct Test {
    const char* name;
    void (*fn)();
};
inline std::vector<Test>& registry() {
    static std::vector<Test> tests;
    return tests;
}
inline int& failed_checks() {
    static int n = 0;
    return n;
}
inline std::vector<char*>& args() {
    static std::vector<char*> a;
    return a;
}
// Command-line argument i of the test program (nullptr when absent).
inline const char* arg(size_t i) { return i < args().size() ? args()[i] : nullptr; }

struct Registrar {
    Registrar(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};

inline int run_all(int argc, char** argv) {
    args().assign(argv, argv + argc);
    int passed = 0, failed = 0;
    for (const Test& t : registry()) {
        failed_checks() = 0;
        t.fn();
        std::printf("test %s ... %s\n", t.name, failed_checks() ? "FAILED" : "ok");
        (failed_checks() ? failed : passed) += 1;
    }
    std::printf("test result: %s. %d passed; %d failed; 0 ignored\n", failed ? "FAILED" : "ok", passed, failed);
    return failed ? 1 : 0;
}

}  // namespace check

#define TEST(name)                                                  \
    static void test_##name();                                      \
    static const check::Registrar test_registrar_##name(#name, test_##name); \
    static void test_##name()

#define CHECK(c)                                                             \
    do {                                                                     \
        if (!(c)) {                                                          \
            std::printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);       \
            ++check::failed_checks();                                        \
        }                                                                    \
    } while (0)
