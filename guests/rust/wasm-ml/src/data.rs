//! The diabetes CSVs: a header line, then rows of comma-separated floats, the last column the target.

use std::fs;

#[derive(Debug, Clone)]
pub struct Dataset {
    /// Row-major `n_samples x n_features`.
    pub data: Vec<f32>,
    pub labels: Vec<f32>,
    pub n_samples: usize,
    pub n_features: usize,
}

impl Dataset {
    /// A dataset from row-major `data` (`n_samples x n_features`) and `labels` (the original crate's constructor).
    pub fn new(data: Vec<f32>, labels: Vec<f32>, n_samples: usize, n_features: usize) -> Result<Self, String> {
        if data.len() != n_samples * n_features {
            return Err(format!("Data size mismatch: expected {}, got {}", n_samples * n_features, data.len()));
        }
        if labels.len() != n_samples {
            return Err(format!("Labels size mismatch: expected {}, got {}", n_samples, labels.len()));
        }
        Ok(Dataset { data, labels, n_samples, n_features })
    }

    /// Sample `idx` (the original crate's name for [`Dataset::row`]).
    pub fn get_sample(&self, idx: usize) -> &[f32] {
        self.row(idx)
    }

    /// The label of sample `idx`.
    pub fn get_label(&self, idx: usize) -> f32 {
        self.labels[idx]
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.n_features..(i + 1) * self.n_features]
    }

    /// Parse CSV text: the first line is a header; every other non-empty line holds
    /// `n_features + 1` numbers (features, then the label).
    pub fn parse_csv(text: &str, n_features: usize) -> Result<Dataset, String> {
        let mut data = Vec::new();
        let mut labels = Vec::new();
        for (lineno, line) in text.lines().enumerate().skip(1) {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let mut n = 0;
            for field in line.split(',') {
                let v: f32 = field
                    .trim()
                    .parse()
                    .map_err(|_| format!("line {}: '{}' is not a number", lineno + 1, field))?;
                if !v.is_finite() {
                    return Err(format!("line {}: non-finite value", lineno + 1));
                }
                if n < n_features {
                    data.push(v);
                } else {
                    labels.push(v);
                }
                n += 1;
            }
            if n != n_features + 1 {
                return Err(format!("line {}: {} columns, expected {}", lineno + 1, n, n_features + 1));
            }
        }
        if labels.is_empty() {
            return Err("no data rows".to_string());
        }
        Ok(Dataset { n_samples: labels.len(), data, labels, n_features })
    }

    pub fn load_csv(path: &str, n_features: usize) -> Result<Dataset, String> {
        let text = fs::read_to_string(path).map_err(|e| format!("cannot read {}: {}", path, e))?;
        Dataset::parse_csv(&text, n_features).map_err(|e| format!("{}: {}", path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_header_rows_and_crlf() {
        let d = Dataset::parse_csv("a,b,target\r\n1.5,-2,144.0\r\n0.25,3e-1,70\n\n", 2).unwrap();
        assert_eq!(d.n_samples, 2);
        assert_eq!(d.data, vec![1.5, -2.0, 0.25, 0.3]);
        assert_eq!(d.labels, vec![144.0, 70.0]);
        assert_eq!(d.row(1), &[0.25, 0.3]);
    }

    #[test]
    fn new_checks_the_shape() {
        let d = Dataset::new(vec![1.0, 2.0, 3.0, 4.0], vec![10.0, 20.0], 2, 2).unwrap();
        assert_eq!((d.get_sample(1), d.get_label(1)), (&[3.0f32, 4.0][..], 20.0));
        assert!(Dataset::new(vec![1.0; 3], vec![1.0; 2], 2, 2).unwrap_err().contains("Data size mismatch"));
        assert!(Dataset::new(vec![1.0; 4], vec![1.0; 3], 2, 2).unwrap_err().contains("Labels size mismatch"));
    }

    #[test]
    fn rejects_bad_rows() {
        assert!(Dataset::parse_csv("h\n1,2\n", 2).is_err());
        assert!(Dataset::parse_csv("h\n1,x,3\n", 2).is_err());
        assert!(Dataset::parse_csv("h\n", 2).is_err());
    }
}
