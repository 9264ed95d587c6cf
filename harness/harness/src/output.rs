//! Writing a run's files: `report.json` and one `transcripts/<case-id>.jsonl` per case, under an
//! output directory. Not rendering (the report crate) and not the terminal display (the CLI).

use std::io::Write as _;
use std::path::Path;

use crate::runner::RunOutput;

/// Writes `report.json` and the transcripts into `dir` (created if missing).
pub fn write_run(dir: &Path, output: &RunOutput) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("transcripts"))?;
    write_report(&dir.join("report.json"), output)?;
    for (id, entries) in &output.transcripts {
        let mut f = std::io::BufWriter::new(std::fs::File::create(
            dir.join("transcripts").join(format!("{id}.jsonl")),
        )?);
        for e in entries {
            serde_json::to_writer(&mut f, e)?;
            f.write_all(b"\n")?;
        }
        f.flush()?;
    }
    Ok(())
}

/// Writes the report alone, pretty-printed, to `path`.
pub fn write_report(path: &Path, output: &RunOutput) -> std::io::Result<()> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    let mut text = serde_json::to_string_pretty(&output.report)?;
    text.push('\n');
    std::fs::write(path, text)
}
