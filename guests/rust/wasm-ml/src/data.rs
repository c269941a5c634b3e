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
    fn rejects_bad_rows() {
        assert!(Dataset::parse_csv("h\n1,2\n", 2).is_err());
        assert!(Dataset::parse_csv("h\n1,x,3\n", 2).is_err());
        assert!(Dataset::parse_csv("h\n", 2).is_err());
    }
}
