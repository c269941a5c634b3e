// rf_test.cpp — native test of the C++ benchmark's dataset reader and random forest (CPU path; the
// wasi_gpu.h native stubs report no device). Built and run by scripts/build-guests.sh --check.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "check.hpp"
#include "dataset.hpp"
#include "random_forest.hpp"

using namespace ml;

// y = 100 for x0 <= 0.5, else 200; x1 is noise.
static Dataset toy() {
    Dataset t;
    t.n_features = 2;
    for (int i = 0; i < 40; ++i) {
        float x0 = (float)i / 40.0f;
        t.data.push_back(x0);
        t.data.push_back((float)((i * 7) % 13));
        t.labels.push_back(x0 <= 0.5f ? 100.0f : 200.0f);
    }
    t.n_samples = 40;
    return t;
}

static Params small_params() {
    Params p;
    p.n_trees = 20;
    p.max_depth = 4;
    p.max_features = 2;
    return p;
}

TEST(parses_csv_and_rejects_bad_rows) {
    Dataset d;
    std::string err;
    CHECK(Dataset::parse_csv("a,b,target\r\n1.5,-2,144.0\r\n0.25,3e-1,70\n\n", 2, d, &err));
    CHECK(d.n_samples == 2 && d.data.size() == 4 && d.labels[0] == 144.0f && d.at(1, 1) == 0.3f);
    CHECK(!Dataset::parse_csv("h\n1,2\n", 2, d, &err));
    CHECK(!Dataset::parse_csv("h\n1,x,3\n", 2, d, &err));
    CHECK(!Dataset::parse_csv("h\n", 2, d, &err));
}

TEST(best_split_finds_the_step) {
    Dataset t = toy();
    std::vector<uint32_t> rows(40);
    for (uint32_t i = 0; i < 40; ++i) rows[i] = i;
    CpuTrainer cpu;
    Split s;
    CHECK(cpu.best_split(t, rows.data(), rows.size(), 0, s) == wasi_gpu::Error::None);
    CHECK(s.found && s.threshold > 0.5f && s.threshold < 0.525f && std::fabs(s.score) < 1e-6);
}

TEST(trains_predicts_and_flattens) {
    Dataset t = toy();
    CpuTrainer cpu;
    std::mt19937 rng(1);
    RandomForest f;
    CHECK(f.train(t, small_params(), cpu, rng, nullptr) == wasi_gpu::Error::None);
    CHECK(f.trees.size() == 20 && f.max_tree_depth() <= 4);
    CHECK(mse(f.predict_cpu(t.data), t.labels) < 100.0);
    std::vector<Node> nodes;
    std::vector<uint32_t> offsets;
    f.flatten(nodes, offsets);
    CHECK(nodes.size() == f.node_count() && offsets.size() == 20 && offsets[0] == 0);
}

TEST(same_seed_same_forest) {
    Dataset t = toy();
    CpuTrainer cpu;
    std::mt19937 a(5), b(5);
    RandomForest fa, fb;
    fa.train(t, small_params(), cpu, a, nullptr);
    fb.train(t, small_params(), cpu, b, nullptr);
    CHECK(fa.node_count() == fb.node_count() && fa.predict_cpu(t.data) == fb.predict_cpu(t.data));
}

int main(int argc, char** argv) { return check::run_all(argc, argv); }
