//! The original `wasm-ml` crate's `wasm_ml::random_forest` API (what its examples call), over this crate's
//! [`forest`](crate::forest): `RandomForest::new(n_estimators, max_depth)`, `train(&Dataset)`,
//! `predict_cpu(data, n_samples, n_features)`, `get_tree_predictions`, `n_trees`.
//!
//! Differences, on purpose: the original seeded from entropy, this one from a fixed seed (42, or
//! [`RandomForest::with_seed`]) so that runs repeat; each split tries `ceil(sqrt(n_features))` features, as the
//! original did. Progress goes to stderr every 10 trees (`Trained 10/200 trees (CPU)`), as in the original.

use crate::data::Dataset;
use crate::forest::{self, CpuTrainer, Params};
use crate::rng::Xoshiro256pp;

/// A random-forest regressor, trained on the CPU.
#[derive(Debug, Clone)]
pub struct RandomForest {
    n_estimators: usize,
    max_depth: usize,
    seed: u64,
    trained: Option<forest::RandomForest>,
}

impl RandomForest {
    /// An untrained forest of `n_estimators` trees of depth at most `max_depth` (seed 42).
    pub fn new(n_estimators: usize, max_depth: usize) -> Self {
        RandomForest { n_estimators, max_depth, seed: 42, trained: None }
    }

    /// The same forest, drawing its bootstrap samples and features from `seed`.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Trains on the CPU (replacing an earlier training).
    pub fn train(&mut self, dataset: &Dataset) -> Result<(), String> {
        if self.n_estimators == 0 {
            return Err("n_estimators must be at least 1".to_string());
        }
        if dataset.n_samples == 0 {
            return Err("the dataset is empty".to_string());
        }
        let params = Params {
            n_trees: self.n_estimators,
            max_depth: self.max_depth,
            max_features: ((dataset.n_features as f64).sqrt().ceil() as usize).max(1),
        };
        let mut rng = Xoshiro256pp::seed_from_u64(self.seed);
        let n = self.n_estimators;
        let f = forest::RandomForest::train(dataset, params, &mut CpuTrainer::default(), &mut rng, |done| {
            if done % 10 == 0 {
                eprintln!("Trained {}/{} trees (CPU)", done, n);
            }
        })
        .map_err(|e| format!("training failed: {}", e))?;
        self.trained = Some(f);
        Ok(())
    }

    /// Predictions for `n_samples` rows of `n_features` values (row-major `data`): the mean over the trees.
    pub fn predict_cpu(&self, data: &[f32], n_samples: usize, n_features: usize) -> Result<Vec<f32>, String> {
        let f = self.trained.as_ref().ok_or_else(|| "the forest is not trained".to_string())?;
        if n_features != f.n_features {
            return Err(format!("{} features given, the forest was trained on {}", n_features, f.n_features));
        }
        if data.len() != n_samples * n_features {
            return Err(format!("data size mismatch: expected {}, got {}", n_samples * n_features, data.len()));
        }
        Ok(f.predict_cpu(data))
    }

    /// Every tree's prediction for one sample (empty when untrained).
    pub fn get_tree_predictions(&self, sample: &[f32]) -> Vec<f32> {
        self.trained.as_ref().map_or_else(Vec::new, |f| f.trees.iter().map(|t| t.predict(sample)).collect())
    }

    /// Trees trained so far (0 before `train`).
    pub fn n_trees(&self) -> usize {
        self.trained.as_ref().map_or(0, |f| f.trees.len())
    }

    /// The trained forest (for GPU inference and flattening), if any.
    pub fn forest(&self) -> Option<&forest::RandomForest> {
        self.trained.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The original example's toy set: rows 1..10, 2..11, 3..12, 4..13 with labels 100, 120, 140, 160.
    fn toy() -> Dataset {
        let data: Vec<f32> = (0..4).flat_map(|r| (0..10).map(move |c| (r + c + 1) as f32)).collect();
        Dataset::new(data, vec![100.0, 120.0, 140.0, 160.0], 4, 10).unwrap()
    }

    #[test]
    fn trains_and_predicts_like_the_original_example() {
        let mut rf = RandomForest::new(200, 16);
        assert_eq!(rf.n_trees(), 0);
        assert!(rf.predict_cpu(&[0.0; 10], 1, 10).unwrap_err().contains("not trained"));
        rf.train(&toy()).unwrap();
        assert_eq!(rf.n_trees(), 200);
        let test: Vec<f32> = (0..10).map(|c| 2.5 + c as f32).collect();
        let p = rf.predict_cpu(&test, 1, 10).unwrap();
        assert!(p[0] > 100.0 && p[0] < 160.0, "{}", p[0]);
        assert_eq!(rf.get_tree_predictions(&test).len(), 200);
        // Same seed, same forest.
        let mut again = RandomForest::new(200, 16);
        again.train(&toy()).unwrap();
        assert_eq!(again.predict_cpu(&test, 1, 10).unwrap(), p);
    }

    #[test]
    fn rejects_bad_shapes() {
        let mut rf = RandomForest::new(5, 3);
        rf.train(&toy()).unwrap();
        assert!(rf.predict_cpu(&[0.0; 9], 1, 10).unwrap_err().contains("size mismatch"));
        assert!(rf.predict_cpu(&[0.0; 9], 1, 9).unwrap_err().contains("trained on 10"));
        assert!(RandomForest::new(0, 3).train(&toy()).is_err());
    }
}
