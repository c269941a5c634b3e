#!/usr/bin/python3
"""Reference arm of bench/rf-compare: scikit-learn's RandomForestRegressor on the guests' data.

RandomForestRegressor(n_estimators=200, max_depth=16, max_features=4, n_jobs=1), float32 features,
trained on data/diabetes_train.csv and scored on data/diabetes_test.csv (the CSVs the guests read),
with the guests' output contract: sections, then one JSON line between `### BENCHMARK_JSON ###` and
`### END_BENCHMARK_JSON ###` (language "python").

Run with Debian's interpreter (/usr/bin/python3, package python3-sklearn), not a pyenv python3:
    /usr/bin/python3 bench/sklearn_rf.py [--data DIR] [--seed N]
"""
import argparse
import json
import os
import platform
import sys
import time


def load(path):
    import numpy as np

    with open(path, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    if header[-1] != "target" or any(len(r) != len(header) for r in rows):
        sys.exit(f"sklearn_rf: {path}: expected a header ending in 'target' and {len(header)} columns per row")
    a = np.array(rows, dtype=np.float64)
    return a[:, :-1].astype(np.float32), a[:, -1].astype(np.float32)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(root, "data"), help="folder with diabetes_{train,test}.csv")
    ap.add_argument("--seed", type=int, default=42, help="random_state of the forest (default 42)")
    args = ap.parse_args()

    try:
        import numpy as np
        import sklearn
        from sklearn.ensemble import RandomForestRegressor
    except ImportError as e:
        sys.exit(f"sklearn_rf: {e} (use /usr/bin/python3 with Debian's python3-sklearn)")

    cpu = platform.processor() or platform.machine()
    print("=== GPU INFORMATION ===")
    print("[GPU] Device: N/A (scikit-learn runs on the CPU)")
    print(f"[GPU] Backend: N/A (sklearn {sklearn.__version__}, numpy {np.__version__}, {cpu})")

    print("\n=== TEE ATTESTATION ===")
    print("[TEE] Type: None")
    print("[TEE] Supports attestation: NO")
    print("[TEE] VM attestation: SKIPPED (not attempted by the reference arm)")
    print("[TEE] GPU attestation: SKIPPED (not attempted by the reference arm)")
    attestation_ms = 0.0
    print(f"[TIMING] Attestation: {attestation_ms:.2f} ms")

    print("\n=== TRAINING ===")
    x_train, y_train = load(os.path.join(args.data, "diabetes_train.csv"))
    print(f"[TRAIN] Dataset: {x_train.shape[0]} samples, {x_train.shape[1]} features")
    print("[TRAIN] Model: RandomForest (200 trees, depth 16)")
    print("[TRAIN] Features per split: 4 of 10")
    print(f"[TRAIN] Seed: {args.seed}")
    print("[TRAIN] Accelerator: CPU (sklearn, n_jobs=1)")
    model = RandomForestRegressor(n_estimators=200, max_depth=16, max_features=4, n_jobs=1, random_state=args.seed)
    t = time.perf_counter()
    model.fit(x_train, y_train)
    training_ms = (time.perf_counter() - t) * 1000
    print(f"[TIMING] Training: {training_ms:.2f} ms")

    print("\n=== INFERENCE ===")
    x_test, y_test = load(os.path.join(args.data, "diabetes_test.csv"))
    print(f"[INFER] Test set: {x_test.shape[0]} samples")
    print("[INFER] Accelerator: CPU")
    t = time.perf_counter()
    pred = model.predict(x_test)
    inference_ms = (time.perf_counter() - t) * 1000
    mse = float(np.mean((pred.astype(np.float64) - y_test.astype(np.float64)) ** 2))
    print(f"[TIMING] Inference: {inference_ms:.2f} ms")
    print(f"[INFER] MSE: {mse:.4f}")

    print("\n╔════════════════════════════════════════════════════════════╗")
    print("║                     BENCHMARK RESULTS                      ║")
    print("╚════════════════════════════════════════════════════════════╝")
    print("  Language:     Python (scikit-learn)")
    print(f"  Training:     {training_ms:.2f} ms (CPU)")
    print(f"  Inference:    {inference_ms:.2f} ms (CPU)")
    print(f"  MSE:          {mse:.4f}")
    print()
    result = {
        "language": "python",
        "gpu_device": "N/A",
        "gpu_backend": "N/A",
        "tee_type": "None",
        "gpu_available": False,
        "tee_available": False,
        "attestation_ms": round(attestation_ms, 2),
        "training_ms": round(training_ms, 2),
        "inference_ms": round(inference_ms, 2),
        "mse": round(mse, 4),
        "train_samples": int(x_train.shape[0]),
        "test_samples": int(x_test.shape[0]),
    }
    print("### BENCHMARK_JSON ###")
    print(json.dumps(result, separators=(",", ":")))
    print("### END_BENCHMARK_JSON ###")
    print("\n✅ Benchmark completed successfully!")


if __name__ == "__main__":
    main()
