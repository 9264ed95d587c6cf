//! Embeds every case file under `cases/` (and `cases/RETIRED`) into the harness, so the binary
//! carries its cases. Generates `$OUT_DIR/embedded_cases.rs`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../cases");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every embedded case file: (path under cases/, contents).\npub static EMBEDDED: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .expect("under root")
            .to_string_lossy()
            .replace('\\', "/");
        let abs = f.canonicalize().expect("case file path resolves");
        let _ = writeln!(
            out,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        );
    }
    out.push_str("];\n");
    let retired = root.join("RETIRED");
    if retired.exists() {
        let abs = retired.canonicalize().expect("RETIRED resolves");
        let _ = writeln!(
            out,
            "/// The retired case IDs file.\npub static RETIRED: &str = include_str!({:?});",
            abs.display().to_string()
        );
    } else {
        out.push_str("/// The retired case IDs file.\npub static RETIRED: &str = \"\";\n");
    }
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR set")).join("embedded_cases.rs");
    std::fs::write(dest, out).expect("write embedded_cases.rs");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        // Folders starting with `_` hold data about the cases (the catalogue), not cases.
        if p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('_'))
        {
            continue;
        }
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            println!("cargo:rerun-if-changed={}", p.display());
            out.push(p);
        }
    }
}
