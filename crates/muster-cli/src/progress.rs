//! Progress bars: drawn on a terminal, absent when stderr is piped.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar for `what`, hidden unless stderr is a terminal.
pub fn bar(what: &str, bytes: bool) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(0), target);
    let template = if bytes {
        "{msg:>10} [{bar:40}] {bytes}/{total_bytes} ({eta})"
    } else {
        "{msg:>10} [{bar:40}] {human_pos}/{human_len} ({eta})"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// Reports a work of several steps on one bar: each step named on it, with
/// its own length.
pub fn steps(bar: &ProgressBar) -> impl FnMut(&str, u64, u64) + '_ {
    move |step, done, total| {
        if bar.message() != step {
            bar.set_message(step.to_string());
            bar.set_position(0);
        }
        bar.set_length(total);
        bar.set_position(done);
    }
}
