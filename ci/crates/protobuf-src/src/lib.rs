//! crates.io `protobuf-src`'s API on the system's protoc: [`protoc`] is its path and
//! [`include`] the directory of its well-known `.proto` files (found when this crate was built).

use std::path::PathBuf;

/// The `protoc` binary.
pub fn protoc() -> PathBuf {
    PathBuf::from(env!("PROTOBUF_SRC_PROTOC"))
}

/// The directory holding `google/protobuf/*.proto`.
pub fn include() -> PathBuf {
    PathBuf::from(env!("PROTOBUF_SRC_INCLUDE"))
}
