//! Random-forest regressor (the original guests' algorithm, done correctly on both paths).
//!
//! Per tree: a bootstrap sample of `n` row indices drawn with replacement; grow a binary tree: a leaf
//! (mean label) when `depth >= max_depth` or fewer than 2 rows; otherwise try `max_features` features
//! drawn by a partial Fisher-Yates shuffle, every midpoint `(v[i] + v[i+1]) / 2` (f32) between the node's
//! distinct sorted values, rule `x <= t` goes left, score SSE(left) + SSE(right), empty sides skipped,
//! the lowest score wins (first on ties); no finite score => leaf. Prediction: the mean over the trees.
//!
//! Rows are always indices into the full training set, on the CPU path and on the GPU path alike (the
//! original GPU path mixed bootstrap-ordered copies with indices into the uploaded data).

use crate::data::Dataset;
use crate::rng::Xoshiro256pp;
use crate::wasi_gpu::{self as gpu, Buffer, GpuResult};

/// One node in the `kernel-batch-predict` layout: 4 little-endian words.
/// `feature < 0` = leaf with prediction `value`; otherwise go to `left` when `x[feature] <= value`
/// (the threshold), else `right`. Children are indices relative to the tree's root.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    pub feature: i32,
    pub value: f32,
    pub left: i32,
    pub right: i32,
}

#[derive(Debug, Clone)]
pub struct Tree {
    /// Root at index 0.
    pub nodes: Vec<Node>,
}

impl Tree {
    pub fn predict(&self, x: &[f32]) -> f32 {
        let mut i = 0usize;
        loop {
            let n = &self.nodes[i];
            if n.feature < 0 {
                return n.value;
            }
            i = if x[n.feature as usize] <= n.value { n.left } else { n.right } as usize;
        }
    }

    pub fn depth(&self) -> usize {
        fn d(nodes: &[Node], i: usize) -> usize {
            let n = &nodes[i];
            if n.feature < 0 {
                0
            } else {
                1 + d(nodes, n.left as usize).max(d(nodes, n.right as usize))
            }
        }
        d(&self.nodes, 0)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub n_trees: usize,
    pub max_depth: usize,
    /// Features tried per split (`ceil(sqrt(n_features))` in the original: 4 of 10).
    pub max_features: usize,
}

impl Params {
    pub fn benchmark(n_features: usize) -> Params {
        Params { n_trees: 200, max_depth: 16, max_features: (n_features as f64).sqrt().ceil() as usize }
    }
}

#[derive(Debug, Clone)]
pub struct RandomForest {
    pub trees: Vec<Tree>,
    pub n_features: usize,
    pub max_depth: usize,
}

/// Where the bootstrap samples and split scores come from.
pub trait Trainer {
    fn bootstrap(&mut self, n: usize, rng: &mut Xoshiro256pp) -> GpuResult<Vec<u32>>;
    /// Called once per internal-node candidate before `best_split` is asked for its features.
    fn begin_node(&mut self, rows: &[u32]) -> GpuResult<()>;
    /// Best `(threshold, score)` for `feature` over `rows`, or None if no threshold splits them.
    fn best_split(&mut self, ds: &Dataset, rows: &[u32], feature: usize) -> GpuResult<Option<(f32, f64)>>;
}

/// The candidate thresholds of a node: midpoints between its distinct sorted values.
pub fn midpoints(ds: &Dataset, rows: &[u32], feature: usize, out: &mut Vec<f32>) {
    let mut vals: Vec<f32> = rows.iter().map(|&r| ds.data[r as usize * ds.n_features + feature]).collect();
    vals.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap());
    vals.dedup();
    out.clear();
    out.extend(vals.windows(2).map(|w| (w[0] + w[1]) / 2.0));
}

/// CPU split search: sort once, sweep the thresholds with running sums (f64).
#[derive(Default)]
pub struct CpuTrainer {
    pairs: Vec<(f32, f32)>,
}

impl Trainer for CpuTrainer {
    fn bootstrap(&mut self, n: usize, rng: &mut Xoshiro256pp) -> GpuResult<Vec<u32>> {
        Ok((0..n).map(|_| rng.below(n as u32)).collect())
    }

    fn begin_node(&mut self, _rows: &[u32]) -> GpuResult<()> {
        Ok(())
    }

    fn best_split(&mut self, ds: &Dataset, rows: &[u32], feature: usize) -> GpuResult<Option<(f32, f64)>> {
        let p = &mut self.pairs;
        p.clear();
        p.extend(rows.iter().map(|&r| (ds.data[r as usize * ds.n_features + feature], ds.labels[r as usize])));
        p.sort_unstable_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        let m = p.len();
        let (mut ts, mut tss) = (0f64, 0f64);
        for &(_, y) in p.iter() {
            ts += y as f64;
            tss += (y as f64) * (y as f64);
        }
        let (mut ls, mut lss, mut k) = (0f64, 0f64, 0usize);
        let mut best: Option<(f32, f64)> = None;
        for i in 0..m.saturating_sub(1) {
            if !(p[i].0 < p[i + 1].0) {
                continue;
            }
            let t = (p[i].0 + p[i + 1].0) / 2.0;
            while k < m && p[k].0 <= t {
                let y = p[k].1 as f64;
                ls += y;
                lss += y * y;
                k += 1;
            }
            let (nl, nr) = (k as f64, (m - k) as f64);
            if k == 0 || k == m {
                continue;
            }
            let (rs, rss) = (ts - ls, tss - lss);
            let sse = (lss - ls * ls / nl).max(0.0) + (rss - rs * rs / nr).max(0.0);
            if best.map_or(true, |(_, b)| sse < b) {
                best = Some((t, sse));
            }
        }
        Ok(best)
    }
}

/// GPU split search through `wasi:gpu`: the training data and labels are uploaded once; per node the
/// row indices (into the full data) are uploaded once, per feature the thresholds, and
/// `kernel-find-split` scores them. Bootstrap samples come from `kernel-bootstrap-sample`.
pub struct GpuTrainer {
    data: Buffer,
    labels: Buffer,
    indices: Buffer,
    thresholds: Buffer,
    scores: Buffer,
    boot: Buffer,
    n_features: usize,
    n_rows: usize,
    thr: Vec<f32>,
    /// Kernel launches (bootstrap + find-split), for the report.
    pub kernel_calls: u64,
}

impl GpuTrainer {
    pub fn new(ds: &Dataset) -> GpuResult<GpuTrainer> {
        let n = ds.n_samples.max(1) as u64;
        Ok(GpuTrainer {
            data: Buffer::from_f32(&ds.data)?,
            labels: Buffer::from_f32(&ds.labels)?,
            indices: Buffer::storage(n * 4)?,
            thresholds: Buffer::storage(n * 4)?,
            scores: Buffer::storage(n * 4)?,
            boot: Buffer::storage(n * 4)?,
            n_features: ds.n_features,
            n_rows: ds.n_samples,
            thr: Vec::new(),
            kernel_calls: 0,
        })
    }
}

impl Trainer for GpuTrainer {
    fn bootstrap(&mut self, n: usize, rng: &mut Xoshiro256pp) -> GpuResult<Vec<u32>> {
        let seed = rng.next_u32();
        gpu::kernel_bootstrap_sample(n as u32, seed, self.n_rows as u32, self.boot.id())?;
        self.kernel_calls += 1;
        let rows = gpu::buffer_read_u32(self.boot.id(), 0, n)?;
        if rows.iter().any(|&r| r as usize >= self.n_rows) {
            return Err(gpu::GpuError::Other(-2)); // a host bug: refuse rather than index out of range
        }
        Ok(rows)
    }

    fn begin_node(&mut self, rows: &[u32]) -> GpuResult<()> {
        gpu::buffer_write_u32(self.indices.id(), 0, rows)
    }

    fn best_split(&mut self, ds: &Dataset, rows: &[u32], feature: usize) -> GpuResult<Option<(f32, f64)>> {
        let mut thr = std::mem::take(&mut self.thr);
        midpoints(ds, rows, feature, &mut thr);
        let result = (|| {
            if thr.is_empty() {
                return Ok(None);
            }
            gpu::buffer_write_f32(self.thresholds.id(), 0, &thr)?;
            gpu::kernel_find_split(
                rows.len() as u32,
                self.n_features as u32,
                feature as u32,
                thr.len() as u32,
                self.data.id(),
                self.labels.id(),
                self.indices.id(),
                self.thresholds.id(),
                self.scores.id(),
            )?;
            self.kernel_calls += 1;
            let scores = gpu::buffer_read_f32(self.scores.id(), 0, thr.len())?;
            let mut best: Option<(f32, f64)> = None;
            for (&t, &s) in thr.iter().zip(scores.iter()) {
                if s.is_finite() && best.map_or(true, |(_, b)| (s as f64) < b) {
                    best = Some((t, s as f64));
                }
            }
            Ok(best)
        })();
        self.thr = thr;
        result
    }
}

fn leaf(ds: &Dataset, rows: &[u32]) -> Node {
    let sum: f64 = rows.iter().map(|&r| ds.labels[r as usize] as f64).sum();
    let value = if rows.is_empty() { 0.0 } else { (sum / rows.len() as f64) as f32 };
    Node { feature: -1, value, left: 0, right: 0 }
}

struct Builder<'a, T: Trainer> {
    ds: &'a Dataset,
    params: Params,
    trainer: &'a mut T,
    rng: &'a mut Xoshiro256pp,
    features: Vec<usize>,
}

impl<'a, T: Trainer> Builder<'a, T> {
    fn build(&mut self, nodes: &mut Vec<Node>, rows: &mut [u32], depth: usize) -> GpuResult<i32> {
        let idx = nodes.len();
        nodes.push(leaf(self.ds, rows));
        if depth >= self.params.max_depth || rows.len() < 2 {
            return Ok(idx as i32);
        }
        // Partial Fisher-Yates: the first max_features entries are a uniform random subset.
        let nf = self.features.len();
        let k = self.params.max_features.min(nf);
        for i in 0..k {
            let j = i + self.rng.below((nf - i) as u32) as usize;
            self.features.swap(i, j);
        }
        self.trainer.begin_node(rows)?;
        let mut best: Option<(usize, f32, f64)> = None;
        for fi in 0..k {
            let f = self.features[fi];
            if let Some((t, s)) = self.trainer.best_split(self.ds, rows, f)? {
                if best.map_or(true, |(_, _, b)| s < b) {
                    best = Some((f, t, s));
                }
            }
        }
        let (f, t, _) = match best {
            Some(b) => b,
            None => return Ok(idx as i32),
        };
        // In-place partition: x <= t to the front.
        let nfeat = self.ds.n_features;
        let mut split = 0;
        for i in 0..rows.len() {
            if self.ds.data[rows[i] as usize * nfeat + f] <= t {
                rows.swap(i, split);
                split += 1;
            }
        }
        if split == 0 || split == rows.len() {
            return Ok(idx as i32); // cannot happen with a consistent scorer; stay a valid tree anyway
        }
        let (l, r) = rows.split_at_mut(split);
        let left = self.build(nodes, l, depth + 1)?;
        let right = self.build(nodes, r, depth + 1)?;
        nodes[idx] = Node { feature: f as i32, value: t, left, right };
        Ok(idx as i32)
    }
}

impl RandomForest {
    /// Train `params.n_trees` trees; `progress(trees_done)` after each tree.
    pub fn train<T: Trainer>(
        ds: &Dataset, params: Params, trainer: &mut T, rng: &mut Xoshiro256pp, mut progress: impl FnMut(usize),
    ) -> GpuResult<RandomForest> {
        let mut trees = Vec::with_capacity(params.n_trees);
        let mut b = Builder { ds, params, trainer, rng, features: (0..ds.n_features).collect() };
        for t in 0..params.n_trees {
            let mut rows = b.trainer.bootstrap(ds.n_samples, b.rng)?;
            let mut nodes = Vec::new();
            b.build(&mut nodes, &mut rows, 0)?;
            trees.push(Tree { nodes });
            progress(t + 1);
        }
        Ok(RandomForest { trees, n_features: ds.n_features, max_depth: params.max_depth })
    }

    pub fn predict_cpu(&self, samples: &[f32]) -> Vec<f32> {
        samples
            .chunks_exact(self.n_features)
            .map(|x| {
                let s: f64 = self.trees.iter().map(|t| t.predict(x) as f64).sum();
                (s / self.trees.len() as f64) as f32
            })
            .collect()
    }

    /// Node buffer and tree offsets in the `kernel-batch-predict` layout.
    pub fn flatten(&self) -> (Vec<u8>, Vec<u32>) {
        let total: usize = self.trees.iter().map(|t| t.nodes.len()).sum();
        let mut bytes = Vec::with_capacity(total * 16);
        let mut offsets = Vec::with_capacity(self.trees.len());
        let mut at = 0u32;
        for t in &self.trees {
            offsets.push(at);
            at += t.nodes.len() as u32;
            for n in &t.nodes {
                bytes.extend_from_slice(&n.feature.to_le_bytes());
                bytes.extend_from_slice(&n.value.to_le_bytes());
                bytes.extend_from_slice(&n.left.to_le_bytes());
                bytes.extend_from_slice(&n.right.to_le_bytes());
            }
        }
        (bytes, offsets)
    }

    /// Inference with `kernel-batch-predict` (the whole forest in one launch).
    pub fn predict_gpu(&self, samples: &[f32]) -> GpuResult<Vec<f32>> {
        let n = samples.len() / self.n_features;
        let (nodes, offsets) = self.flatten();
        let s = Buffer::from_f32(samples)?;
        let nb = Buffer::storage(nodes.len().max(16) as u64)?;
        gpu::buffer_write(nb.id(), 0, &nodes)?;
        let ob = Buffer::from_u32(&offsets)?;
        let out = Buffer::storage((n.max(1) * 4) as u64)?;
        gpu::kernel_batch_predict(
            n as u32,
            self.n_features as u32,
            self.trees.len() as u32,
            self.max_depth as u32,
            s.id(),
            nb.id(),
            ob.id(),
            out.id(),
        )?;
        gpu::sync();
        gpu::buffer_read_f32(out.id(), 0, n)
    }

    /// Inference with per-tree predictions on the CPU and `kernel-average` on the device.
    pub fn predict_gpu_average(&self, samples: &[f32]) -> GpuResult<Vec<f32>> {
        let n = samples.len() / self.n_features;
        let mut preds = Vec::with_capacity(n * self.trees.len());
        for x in samples.chunks_exact(self.n_features) {
            preds.extend(self.trees.iter().map(|t| t.predict(x)));
        }
        let p = Buffer::from_f32(&preds)?;
        let out = Buffer::storage((n.max(1) * 4) as u64)?;
        gpu::kernel_average(self.trees.len() as u32, n as u32, p.id(), out.id())?;
        gpu::sync();
        gpu::buffer_read_f32(out.id(), 0, n)
    }
}

pub fn mse(pred: &[f32], truth: &[f32]) -> f64 {
    let s: f64 = pred.iter().zip(truth).map(|(&p, &t)| ((p - t) as f64).powi(2)).sum();
    s / truth.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Dataset {
        // y = 100 for x0 <= 0.5, 200 otherwise; x1 is noise.
        let mut data = Vec::new();
        let mut labels = Vec::new();
        for i in 0..40 {
            let x0 = i as f32 / 40.0;
            data.push(x0);
            data.push(((i * 7) % 13) as f32);
            labels.push(if x0 <= 0.5 { 100.0 } else { 200.0 });
        }
        Dataset { data, labels, n_samples: 40, n_features: 2 }
    }

    #[test]
    fn cpu_split_finds_the_step() {
        let ds = toy();
        let rows: Vec<u32> = (0..40).collect();
        let (t, s) = CpuTrainer::default().best_split(&ds, &rows, 0).unwrap().unwrap();
        assert!(t > 0.5 && t < 0.525, "{}", t);
        assert!(s.abs() < 1e-6);
    }

    #[test]
    fn forest_learns_toy_and_flattens() {
        let ds = toy();
        let mut rng = Xoshiro256pp::seed_from_u64(1);
        let params = Params { n_trees: 20, max_depth: 4, max_features: 2 };
        let f = RandomForest::train(&ds, params, &mut CpuTrainer::default(), &mut rng, |_| {}).unwrap();
        let p = f.predict_cpu(&ds.data);
        assert!(mse(&p, &ds.labels) < 100.0);
        assert!(f.trees.iter().all(|t| t.depth() <= 4));
        let (bytes, offs) = f.flatten();
        assert_eq!(offs.len(), 20);
        assert_eq!(bytes.len(), f.trees.iter().map(|t| t.nodes.len()).sum::<usize>() * 16);
    }
}
