// rf_test.cpp — native test of the C++ benchmark's dataset reader and random forest (CPU path; the
// wasi_gpu.h native stubs report no device). Built and run by scripts/build-guests.sh --check.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "dataset.hpp"
#include "random_forest.hpp"

static int failures = 0;
#define EXPECT(c)                                                        \
    do {                                                                 \
        if (!(c)) {                                                      \
            std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);     \
            ++failures;                                                  \
        }                                                                \
    } while (0)

int main() {
    using namespace ml;
    Dataset d;
    std::string err;
    EXPECT(Dataset::parse_csv("a,b,target\r\n1.5,-2,144.0\r\n0.25,3e-1,70\n\n", 2, d, &err));
    EXPECT(d.n_samples == 2 && d.data.size() == 4 && d.labels[0] == 144.0f && d.at(1, 1) == 0.3f);
    EXPECT(!Dataset::parse_csv("h\n1,2\n", 2, d, &err));
    EXPECT(!Dataset::parse_csv("h\n1,x,3\n", 2, d, &err));
    EXPECT(!Dataset::parse_csv("h\n", 2, d, &err));

    // y = 100 for x0 <= 0.5, else 200; x1 is noise.
    Dataset toy;
    toy.n_features = 2;
    for (int i = 0; i < 40; ++i) {
        float x0 = (float)i / 40.0f;
        toy.data.push_back(x0);
        toy.data.push_back((float)((i * 7) % 13));
        toy.labels.push_back(x0 <= 0.5f ? 100.0f : 200.0f);
    }
    toy.n_samples = 40;
    std::vector<uint32_t> rows(40);
    for (uint32_t i = 0; i < 40; ++i) rows[i] = i;
    CpuTrainer cpu;
    Split s;
    EXPECT(cpu.best_split(toy, rows.data(), rows.size(), 0, s) == wasi_gpu::Error::None);
    EXPECT(s.found && s.threshold > 0.5f && s.threshold < 0.525f && std::fabs(s.score) < 1e-6);

    Params p;
    p.n_trees = 20;
    p.max_depth = 4;
    p.max_features = 2;
    std::mt19937 rng(1);
    RandomForest f;
    EXPECT(f.train(toy, p, cpu, rng, nullptr) == wasi_gpu::Error::None);
    EXPECT(f.trees.size() == 20 && f.max_tree_depth() <= 4);
    EXPECT(mse(f.predict_cpu(toy.data), toy.labels) < 100.0);
    std::vector<Node> nodes;
    std::vector<uint32_t> offsets;
    f.flatten(nodes, offsets);
    EXPECT(nodes.size() == f.node_count() && offsets.size() == 20 && offsets[0] == 0);

    // Same seed => same forest.
    std::mt19937 a(5), b(5);
    RandomForest fa, fb;
    fa.train(toy, p, cpu, a, nullptr);
    fb.train(toy, p, cpu, b, nullptr);
    EXPECT(fa.node_count() == fb.node_count() && fa.predict_cpu(toy.data) == fb.predict_cpu(toy.data));

    if (failures) return 1;
    std::printf("all RF tests passed\n");
    return 0;
}
