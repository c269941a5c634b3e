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

/// Where the bootstrap samples come from, and optionally a device that scores a node's thresholds.
pub trait Trainer {
    fn bootstrap(&mut self, n: usize, rng: &mut Xoshiro256pp) -> GpuResult<Vec<u32>>;
    /// True when a node of `m` rows is scored on the device (`begin_node`, then `device_split` per tried
    /// feature); otherwise the builder sweeps the node's presorted values itself.
    fn use_device(&self, _m: usize) -> bool {
        false
    }
    /// The node's rows (indices into the full training set), before its `device_split` calls.
    fn begin_node(&mut self, _rows: &[u32]) -> GpuResult<()> {
        Ok(())
    }
    /// Best `(threshold, score)` among `thresholds` (ascending, non-empty) for `feature` over the rows of
    /// the last `begin_node`; None when no threshold has a finite score.
    fn device_split(&mut self, _n_rows: usize, _feature: usize, _thresholds: &[f32]) -> GpuResult<Option<(f32, f64)>> {
        Ok(None)
    }
}

/// The candidate thresholds of a node: midpoints between its distinct sorted values.
pub fn midpoints(ds: &Dataset, rows: &[u32], feature: usize, out: &mut Vec<f32>) {
    let mut vals: Vec<f32> = rows.iter().map(|&r| ds.data[r as usize * ds.n_features + feature]).collect();
    vals.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap());
    vals.dedup();
    out.clear();
    out.extend(vals.windows(2).map(|w| (w[0] + w[1]) / 2.0));
}

/// One row of a node in one feature's presorted list: the feature value, the label, the row.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub v: f32,
    pub y: f32,
    pub r: u32,
}

/// Best midpoint split of entries sorted by `v`: running sums (f64) over the ascending thresholds, score
/// SSE(left) + SSE(right), empty sides skipped, the first lowest score wins.
pub fn sweep(p: &[Entry]) -> Option<(f32, f64)> {
    let m = p.len();
    let (mut ts, mut tss) = (0f64, 0f64);
    for e in p {
        ts += e.y as f64;
        tss += (e.y as f64) * (e.y as f64);
    }
    let (mut ls, mut lss, mut k) = (0f64, 0f64, 0usize);
    let mut best: Option<(f32, f64)> = None;
    for i in 0..m.saturating_sub(1) {
        if !(p[i].v < p[i + 1].v) {
            continue;
        }
        let t = (p[i].v + p[i + 1].v) / 2.0;
        while k < m && p[k].v <= t {
            let y = p[k].y as f64;
            ls += y;
            lss += y * y;
            k += 1;
        }
        if k == 0 || k == m {
            continue;
        }
        let (nl, nr) = (k as f64, (m - k) as f64);
        let (rs, rss) = (ts - ls, tss - lss);
        let sse = (lss - ls * ls / nl).max(0.0) + (rss - rs * rs / nr).max(0.0);
        if best.map_or(true, |(_, b)| sse < b) {
            best = Some((t, sse));
        }
    }
    best
}

/// CPU path: bootstrap from the guest's RNG; every node swept in the guest.
#[derive(Default)]
pub struct CpuTrainer;

impl CpuTrainer {
    /// Best split of `feature` over `rows` (sorts them; the builder uses presorted lists instead).
    pub fn best_split(&mut self, ds: &Dataset, rows: &[u32], feature: usize) -> Option<(f32, f64)> {
        let mut p: Vec<Entry> = rows
            .iter()
            .map(|&r| Entry { v: ds.data[r as usize * ds.n_features + feature], y: ds.labels[r as usize], r })
            .collect();
        p.sort_by(|a, b| a.v.partial_cmp(&b.v).unwrap());
        sweep(&p)
    }
}

impl Trainer for CpuTrainer {
    fn bootstrap(&mut self, n: usize, rng: &mut Xoshiro256pp) -> GpuResult<Vec<u32>> {
        Ok((0..n).map(|_| rng.below(n as u32)).collect())
    }
}

/// Nodes with fewer rows than this are swept in the guest on the GPU path (`GpuTrainer::min_device_rows`):
/// below it three host calls per feature cost more than the sweep over the presorted rows.
pub const DEFAULT_MIN_DEVICE_ROWS: usize = 128;

/// GPU split search through `wasi:gpu`: the training data and labels are uploaded once; per node of at
/// least `min_device_rows` rows the row indices (into the full data) are uploaded once, per tried feature
/// the thresholds, and `kernel-find-split` scores them; smaller nodes are swept in the guest. Bootstrap
/// samples come from `kernel-bootstrap-sample`.
pub struct GpuTrainer {
    data: Buffer,
    labels: Buffer,
    indices: Buffer,
    thresholds: Buffer,
    scores: Buffer,
    boot: Buffer,
    n_features: usize,
    n_rows: usize,
    /// 0 = every node on the device (the original's behaviour).
    pub min_device_rows: usize,
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
            min_device_rows: DEFAULT_MIN_DEVICE_ROWS,
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

    fn use_device(&self, m: usize) -> bool {
        m >= self.min_device_rows
    }

    fn begin_node(&mut self, rows: &[u32]) -> GpuResult<()> {
        gpu::buffer_write_u32(self.indices.id(), 0, rows)
    }

    fn device_split(&mut self, n_rows: usize, feature: usize, thr: &[f32]) -> GpuResult<Option<(f32, f64)>> {
        gpu::buffer_write_f32(self.thresholds.id(), 0, thr)?;
        gpu::kernel_find_split(
            n_rows as u32,
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
    }
}

/// Grows one tree over per-feature presorted lists: `lists[f*n .. f*n+n]` holds the tree's bootstrap rows
/// sorted by feature f (built in O(n) per feature from a global sort order); a node is the same segment
/// `[lo, hi)` of every list, so its values come sorted (no sort per node), and a split stably partitions
/// the segments of the other features. The trees are the ones a sort-per-node builder grows.
struct Builder<'a, T: Trainer> {
    ds: &'a Dataset,
    params: Params,
    trainer: &'a mut T,
    rng: &'a mut Xoshiro256pp,
    features: Vec<usize>,
    /// Rows sorted by each feature over the whole training set (stable).
    order: Vec<Vec<u32>>,
    n: usize,
    lists: Vec<Entry>,
    tmp: Vec<Entry>,
    left: Vec<bool>,
    counts: Vec<u32>,
    rows: Vec<u32>,
    thr: Vec<f32>,
}

impl<'a, T: Trainer> Builder<'a, T> {
    fn new(ds: &'a Dataset, params: Params, trainer: &'a mut T, rng: &'a mut Xoshiro256pp) -> Self {
        let nf = ds.n_features;
        let order = (0..nf)
            .map(|f| {
                let mut o: Vec<u32> = (0..ds.n_samples as u32).collect();
                o.sort_by(|&a, &b| ds.data[a as usize * nf + f].partial_cmp(&ds.data[b as usize * nf + f]).unwrap());
                o
            })
            .collect();
        Builder {
            ds,
            params,
            trainer,
            rng,
            features: (0..nf).collect(),
            order,
            n: 0,
            lists: Vec::new(),
            tmp: Vec::new(),
            left: vec![false; ds.n_samples],
            counts: vec![0; ds.n_samples],
            rows: Vec::new(),
            thr: Vec::new(),
        }
    }

    /// Fill the per-feature lists from a bootstrap sample.
    fn load(&mut self, sample: &[u32]) {
        let (ds, nf) = (self.ds, self.ds.n_features);
        self.counts.iter_mut().for_each(|c| *c = 0);
        for &r in sample {
            self.counts[r as usize] += 1;
        }
        self.n = sample.len();
        self.lists.clear();
        for f in 0..nf {
            for &r in &self.order[f] {
                let e = Entry { v: ds.data[r as usize * nf + f], y: ds.labels[r as usize], r };
                for _ in 0..self.counts[r as usize] {
                    self.lists.push(e);
                }
            }
        }
        self.tmp.resize(self.n, Entry { v: 0.0, y: 0.0, r: 0 });
    }

    fn build(&mut self, nodes: &mut Vec<Node>, lo: usize, hi: usize, depth: usize) -> GpuResult<i32> {
        let (n, nf, m) = (self.n, self.ds.n_features, hi - lo);
        let idx = nodes.len();
        let sum: f64 = self.lists[lo..hi].iter().map(|e| e.y as f64).sum();
        nodes.push(Node { feature: -1, value: if m == 0 { 0.0 } else { (sum / m as f64) as f32 }, left: 0, right: 0 });
        if depth >= self.params.max_depth || m < 2 {
            return Ok(idx as i32);
        }
        // Partial Fisher-Yates: the first max_features entries are a uniform random subset.
        let k = self.params.max_features.min(nf);
        for i in 0..k {
            let j = i + self.rng.below((nf - i) as u32) as usize;
            self.features.swap(i, j);
        }
        let device = self.trainer.use_device(m);
        if device {
            self.rows.clear();
            self.rows.extend(self.lists[lo..hi].iter().map(|e| e.r));
            self.trainer.begin_node(&self.rows)?;
        }
        let mut best: Option<(usize, f32, f64)> = None;
        for fi in 0..k {
            let f = self.features[fi];
            let seg = &self.lists[f * n + lo..f * n + hi];
            let found = if device {
                self.thr.clear();
                for w in seg.windows(2) {
                    if w[0].v < w[1].v {
                        self.thr.push((w[0].v + w[1].v) / 2.0);
                    }
                }
                if self.thr.is_empty() {
                    None
                } else {
                    self.trainer.device_split(m, f, &self.thr)?
                }
            } else {
                sweep(seg)
            };
            if let Some((t, s)) = found {
                if best.map_or(true, |(_, _, b)| s < b) {
                    best = Some((f, t, s));
                }
            }
        }
        let (f, t, _) = match best {
            Some(b) => b,
            None => return Ok(idx as i32),
        };
        // Sorted by f: the rows going left (x <= t) are a prefix of f's segment.
        let seg = &self.lists[f * n + lo..f * n + hi];
        let split = seg.partition_point(|e| e.v <= t);
        if split == 0 || split == m {
            return Ok(idx as i32); // cannot happen with a consistent scorer; stay a valid tree anyway
        }
        for (i, e) in seg.iter().enumerate() {
            self.left[e.r as usize] = i < split;
        }
        for g in (0..nf).filter(|&g| g != f) {
            let s = &mut self.lists[g * n + lo..g * n + hi];
            let (mut a, mut b) = (0, split);
            for e in s.iter() {
                if self.left[e.r as usize] {
                    self.tmp[a] = *e;
                    a += 1;
                } else {
                    self.tmp[b] = *e;
                    b += 1;
                }
            }
            s.copy_from_slice(&self.tmp[..m]);
        }
        let left = self.build(nodes, lo, lo + split, depth + 1)?;
        let right = self.build(nodes, lo + split, hi, depth + 1)?;
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
        let mut b = Builder::new(ds, params, trainer, rng);
        for t in 0..params.n_trees {
            let rows = b.trainer.bootstrap(ds.n_samples, b.rng)?;
            b.load(&rows);
            let mut nodes = Vec::new();
            b.build(&mut nodes, 0, rows.len(), 0)?;
            trees.push(Tree { nodes });
            progress(t + 1);
        }
        Ok(RandomForest { trees, n_features: ds.n_features, max_depth: params.max_depth })
    }

    /// The model as text, to save it: a header line, then one line per node, `tree index feature value left right`
    /// (leaves have feature -1 and their prediction as value; floats in Rust's shortest round-trip form).
    pub fn to_text(&self) -> String {
        let mut out = format!("tee-wasm random forest v1: {} trees, {} features, max depth {}\n", self.trees.len(), self.n_features, self.max_depth);
        for (t, tree) in self.trees.iter().enumerate() {
            for (i, n) in tree.nodes.iter().enumerate() {
                out.push_str(&format!("{} {} {} {:?} {} {}\n", t, i, n.feature, n.value, n.left, n.right));
            }
        }
        out
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
        let (t, s) = CpuTrainer::default().best_split(&ds, &rows, 0).unwrap();
        assert!(t > 0.5 && t < 0.525, "{}", t);
        assert!(s.abs() < 1e-6);
    }

    /// The sort-per-node builder the presorted one replaces (same RNG use), for the equivalence test.
    fn reference_build(
        ds: &Dataset, p: Params, rng: &mut Xoshiro256pp, feats: &mut Vec<usize>, nodes: &mut Vec<Node>, rows: &mut [u32],
        depth: usize,
    ) -> i32 {
        let idx = nodes.len();
        let sum: f64 = rows.iter().map(|&r| ds.labels[r as usize] as f64).sum();
        nodes.push(Node { feature: -1, value: (sum / rows.len().max(1) as f64) as f32, left: 0, right: 0 });
        if depth >= p.max_depth || rows.len() < 2 {
            return idx as i32;
        }
        let nf = feats.len();
        let k = p.max_features.min(nf);
        for i in 0..k {
            let j = i + rng.below((nf - i) as u32) as usize;
            feats.swap(i, j);
        }
        let mut best: Option<(usize, f32, f64)> = None;
        for fi in 0..k {
            if let Some((t, s)) = CpuTrainer.best_split(ds, rows, feats[fi]) {
                if best.map_or(true, |(_, _, b)| s < b) {
                    best = Some((feats[fi], t, s));
                }
            }
        }
        let (f, t) = match best {
            Some((f, t, _)) => (f, t),
            None => return idx as i32,
        };
        let mut split = 0;
        for i in 0..rows.len() {
            if ds.data[rows[i] as usize * ds.n_features + f] <= t {
                rows.swap(i, split);
                split += 1;
            }
        }
        let (l, r) = rows.split_at_mut(split);
        let left = reference_build(ds, p, rng, feats, nodes, l, depth + 1);
        let right = reference_build(ds, p, rng, feats, nodes, r, depth + 1);
        nodes[idx] = Node { feature: f as i32, value: t, left, right };
        idx as i32
    }

    #[test]
    fn presorted_builder_grows_the_sort_per_node_trees() {
        // Integer labels (as the diabetes targets), repeated feature values, 5 features.
        let mut x = 12345u32;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let (n, nf) = (120, 5);
        let data: Vec<f32> = (0..n * nf).map(|_| (next() % 37) as f32 / 10.0).collect();
        let labels: Vec<f32> = (0..n).map(|_| (next() % 300) as f32).collect();
        let ds = Dataset { data, labels, n_samples: n, n_features: nf };
        let p = Params { n_trees: 15, max_depth: 6, max_features: 2 };
        let forest = RandomForest::train(&ds, p, &mut CpuTrainer, &mut Xoshiro256pp::seed_from_u64(7), |_| {}).unwrap();
        let mut rng = Xoshiro256pp::seed_from_u64(7);
        let mut feats: Vec<usize> = (0..nf).collect();
        for tree in &forest.trees {
            let mut rows: Vec<u32> = (0..n).map(|_| rng.below(n as u32)).collect();
            let mut nodes = Vec::new();
            reference_build(&ds, p, &mut rng, &mut feats, &mut nodes, &mut rows, 0);
            assert_eq!(tree.nodes, nodes);
        }
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
