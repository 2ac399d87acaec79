//! Finds the system's `protoc` ($PROTOC, else the one on PATH) and the directory of its
//! well-known `.proto` files, and hands both to the library.
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PROTOC");
    println!("cargo:rerun-if-env-changed=PATH");
    let protoc = std::env::var_os("PROTOC")
        .map(PathBuf::from)
        .or_else(|| find_on_path("protoc"))
        .unwrap_or_else(|| {
            fail("no protoc: install Debian's protobuf-compiler and libprotobuf-dev (bash ci/install-deps.sh does)")
        });
    let version = Command::new(&protoc)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| fail(&format!("{} --version failed", protoc.display())));
    let include = protoc
        .canonicalize()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("include")))
        .filter(|i| i.join("google/protobuf/descriptor.proto").is_file())
        .unwrap_or_else(|| {
            fail(&format!(
                "no google/protobuf/descriptor.proto beside {} ({version}): install Debian's libprotobuf-dev",
                protoc.display()
            ))
        });
    println!("cargo:rustc-env=PROTOBUF_SRC_PROTOC={}", protoc.display());
    println!("cargo:rustc-env=PROTOBUF_SRC_INCLUDE={}", include.display());
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| Path::new(p).is_file())
}

fn fail(why: &str) -> ! {
    eprintln!("protobuf-src (Ambient's, on the system protoc): {why}");
    std::process::exit(1)
}
