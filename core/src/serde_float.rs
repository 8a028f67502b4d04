//! Serde helpers that keep non-finite floats: JSON has no NaN or ∞ (serde_json would write
//! `null` and lose which one it was), so finite values are written as numbers and the others
//! as the strings "NaN", "inf" and "-inf". Use with `#[serde(with = "crate::serde_float")]`
//! on `f64` fields, or `#[serde(with = "crate::serde_float::vec")]` on `Vec<f64>`.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// An `f64` that serializes through this module; used for sequences.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Float(#[serde(with = "self")] pub f64);

#[derive(Deserialize)]
#[serde(untagged)]
enum Repr {
    Number(f64),
    Word(String),
}

pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    match *value {
        v if v.is_finite() => serializer.serialize_f64(v),
        v if v.is_nan() => serializer.serialize_str("NaN"),
        v if v > 0.0 => serializer.serialize_str("inf"),
        _ => serializer.serialize_str("-inf"),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    match Repr::deserialize(deserializer)? {
        Repr::Number(v) => Ok(v),
        Repr::Word(w) => match w.as_str() {
            "NaN" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            other => Err(de::Error::custom(format!("expected a number, \"NaN\", \"inf\" or \"-inf\", got {other:?}"))),
        },
    }
}

pub mod vec {
    use super::Float;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(values: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(values.iter().map(|&v| Float(v)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Float>::deserialize(deserializer)?.into_iter().map(|f| f.0).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::Float;

    #[test]
    fn non_finite_values_survive_a_json_round_trip() {
        for v in [1.5e-300, -0.0, 3.0, f64::INFINITY, f64::NEG_INFINITY] {
            let json = serde_json::to_string(&Float(v)).unwrap();
            assert_eq!(serde_json::from_str::<Float>(&json).unwrap().0.to_bits(), v.to_bits(), "{json}");
        }
        let nan = serde_json::to_string(&Float(f64::NAN)).unwrap();
        assert_eq!(nan, "\"NaN\"");
        assert!(serde_json::from_str::<Float>(&nan).unwrap().0.is_nan());
        assert!(serde_json::from_str::<Float>("\"nope\"").is_err());
    }
}
