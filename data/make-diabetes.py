#!/usr/bin/python3
"""Regenerates diabetes_train.csv and diabetes_test.csv beside this script.

The scikit-learn diabetes regression set (442 samples, 10 features mean-centred and scaled to unit L2 norm, as
load_diabetes() returns them), split with train_test_split(test_size=0.2, random_state=42): 353 train / 89 test rows.
The format is pandas DataFrame.to_csv(index=False): header line, then the float64 values as Python's repr (shortest
round-trip), comma-separated, '\n' line ends. pandas is not needed: this writes that format directly.

Run with Debian's python3-sklearn (1.2.1, numpy 1.24.2): /usr/bin/python3 data/make-diabetes.py
Expected SHA-256: train 3b7235974620c662d3caff4d504b58dc19d9b4bbc38f18d52583a556464b73e3,
                  test  818f71925963599976c4d053d65cb14a77f344fa9142b19dfca86d1154b5645b
"""
import hashlib
import os

from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

HEADER = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "target"]


def write_csv(path, x, y):
    lines = [",".join(HEADER)]
    for row, target in zip(x, y):
        lines.append(",".join(repr(float(v)) for v in row) + "," + repr(float(target)))
    data = ("\n".join(lines) + "\n").encode("ascii")
    with open(path, "wb") as f:
        f.write(data)
    print(f"{os.path.basename(path)}: {len(x)} rows, {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    x, y = load_diabetes(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=42)
    write_csv(os.path.join(here, "diabetes_train.csv"), x_train, y_train)
    write_csv(os.path.join(here, "diabetes_test.csv"), x_test, y_test)


if __name__ == "__main__":
    main()
