//! Progress bars on a terminal (standard error), hidden with `--json` or when not a terminal.
use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps labelled `what`; a hidden one unless `show`.
pub fn bar(show: bool, len: usize, what: &'static str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64).with_message(what);
    if let Ok(style) = ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} {elapsed}") {
        bar.set_style(style);
    }
    bar
}
