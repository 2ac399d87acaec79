//! The allowed models: the model ids the network serves, in one registry-owned account at a fixed
//! address, written at genesis. The auction accepts requests only for these models.
//!
//! Layout v1: kind `5` · version `1` · count u32 · `count` × model id (32).

use super::error::RegistryError;

pub use ambient_interface::ALLOWED_MODELS;
const KIND: u8 = 5;
const VERSION: u8 = 1;

/// Serialises a model list.
pub fn encode(ids: &[[u8; 32]]) -> Vec<u8> {
    let mut v = vec![KIND, VERSION];
    v.extend_from_slice(&(ids.len() as u32).to_le_bytes());
    for id in ids {
        v.extend_from_slice(id);
    }
    v
}

/// Parses a model list.
pub fn decode(d: &[u8]) -> Result<Vec<[u8; 32]>, RegistryError> {
    if d.len() < 6 || d[0] != KIND || d[1] != VERSION {
        return Err(RegistryError::MalformedInstruction);
    }
    let n = u32::from_le_bytes(d[2..6].try_into().expect("4 bytes")) as usize;
    if d.len() != 6 + n.checked_mul(32).ok_or(RegistryError::WrongSize)? {
        return Err(RegistryError::WrongSize);
    }
    Ok(d[6..]
        .chunks_exact(32)
        .map(|c| c.try_into().expect("32 bytes"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trip() {
        let ids = vec![[1u8; 32], [2u8; 32]];
        assert_eq!(decode(&encode(&ids)).unwrap(), ids);
        assert!(decode(&encode(&ids)[..37]).is_err());
        assert_eq!(decode(&encode(&[])).unwrap(), Vec::<[u8; 32]>::new());
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(d in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = decode(&d);
        }
    }
}
