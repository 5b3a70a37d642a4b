//! Text from input, made safe to print: terminal control characters escaped, and echoed
//! input cut to a readable length.

use std::borrow::Cow;

/// Most characters of one piece of input echoed back in a message.
pub const ECHO_MAX_CHARS: usize = 80;

/// `s` with every control character (C0 including newline and tab, DEL, C1) written as a
/// Rust-style escape (`\u{1b}`), so that text from a file or a command line cannot move
/// the cursor, clear the screen or forge lines on a terminal. Borrowed when there is
/// nothing to escape.
pub fn escape_for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` cut to `max` characters, followed by `…(N bytes)` (N the whole length) when it
/// was longer. Borrowed when it fits.
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((end, _)) => Cow::Owned(format!("{}…({} bytes)", &s[..end], s.len())),
    }
}

/// A piece of input to echo in a message: cut to [`ECHO_MAX_CHARS`] characters, every
/// line break written `\n` (so echoed input cannot start a second line of a message).
pub fn echo(s: &str) -> String {
    let clipped = clip(s, ECHO_MAX_CHARS);
    if clipped.contains('\n') {
        clipped.replace('\n', "\\n")
    } else {
        clipped.into_owned()
    }
}

/// A message as one terminal line: every line break written `\n`, every other control
/// character escaped by [`escape_for_terminal`]. Errors and warnings are printed this way,
/// so that no input they quote can forge a second line.
pub fn one_line(msg: &str) -> String {
    msg.split('\n')
        .map(escape_for_terminal)
        .collect::<Vec<_>>()
        .join("\\n")
}

/// `msg` with every backquoted span (`` `like this` ``) longer than [`ECHO_MAX_CHARS`]
/// cut by [`clip`]: for messages of parsers that quote the input they reject.
pub fn clip_quoted(msg: &str) -> Cow<'_, str> {
    let parts: Vec<&str> = msg.split('`').collect();
    // Odd-numbered parts are inside backquotes.
    if !parts
        .iter()
        .skip(1)
        .step_by(2)
        .any(|p| p.chars().nth(ECHO_MAX_CHARS).is_some())
    {
        return Cow::Borrowed(msg);
    }
    let cut: Vec<Cow<'_, str>> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 {
                clip(p, ECHO_MAX_CHARS)
            } else {
                Cow::Borrowed(*p)
            }
        })
        .collect();
    Cow::Owned(cut.join("`"))
}

/// A message for a terminal: each line with its control characters escaped (see
/// [`escape_for_terminal`]); the line breaks themselves are kept.
pub fn for_terminal_lines(msg: &str) -> String {
    msg.split('\n')
        .map(escape_for_terminal)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `one` when `n` is 1, else `many`: `plural(1, "cell", "cells")` is `"cell"`.
pub fn plural<N: TryInto<u64>>(n: N, one: &'static str, many: &'static str) -> &'static str {
    if n.try_into().ok() == Some(1) {
        one
    } else {
        many
    }
}

/// `n` and its noun: `count(1, "epoch", "epochs")` is `"1 epoch"`.
pub fn count<N: TryInto<u64> + Copy + std::fmt::Display>(
    n: N,
    one: &'static str,
    many: &'static str,
) -> String {
    format!("{n} {}", plural(n, one, many))
}

/// `"a"` or `"an"` for a number written in digits: `an 8-bit`, `an 11-bit`, `an 18-bit`,
/// `a 7-bit`.
pub fn article_for_number(n: u64) -> &'static str {
    let digits = n.to_string();
    let starts_eight = digits.starts_with('8');
    // 11, 18 and 11xxx/18xxx read "eleven", "eighteen", "eleven thousand"...
    let eleven_or_eighteen =
        (digits.len() % 3 == 2) && (digits.starts_with("11") || digits.starts_with("18"));
    if starts_eight || eleven_or_eighteen {
        "an"
    } else {
        "a"
    }
}

/// Widest text the terminal renderings use.
pub const MAX_WIDTH: usize = 100;

/// The terminal width text is wrapped to: `COLUMNS` when it is a number (at least 20),
/// else 80, capped at [`MAX_WIDTH`].
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c >= 20)
        .unwrap_or(80)
        .min(MAX_WIDTH)
}

/// `text` wrapped at word boundaries to lines of at most `width` characters (a word longer
/// than `width` stands alone on its line), every line after the first starting with
/// `indent`. Runs of white space, line breaks included, become single spaces.
pub fn wrap(text: &str, width: usize, first: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if !empty && len + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_plain_text_is_kept() {
        assert_eq!(escape_for_terminal("plain ü"), "plain ü");
        assert_eq!(escape_for_terminal("\u{1b}[2J"), "\\u{1b}[2J");
        assert_eq!(
            escape_for_terminal("a\u{7f}b\u{9b}c\r"),
            "a\\u{7f}b\\u{9b}c\\u{d}"
        );
        assert_eq!(for_terminal_lines("a\u{1b}\nb"), "a\\u{1b}\nb");
        assert_eq!(one_line("a\u{1b}\nb\r"), "a\\u{1b}\\nb\\u{d}");
        assert_eq!(echo("x\nescrowlab: ok"), "x\\nescrowlab: ok");
    }

    #[test]
    fn long_input_is_clipped_with_its_length() {
        let long = "k".repeat(500);
        assert_eq!(clip("short", 80), "short");
        assert_eq!(echo(&long), format!("{}…(500 bytes)", "k".repeat(80)));
        let msg = format!("unknown field `{long}`, expected `name`");
        assert_eq!(
            clip_quoted(&msg),
            format!(
                "unknown field `{}…(500 bytes)`, expected `name`",
                "k".repeat(80)
            )
        );
    }

    #[test]
    fn plurals_articles_and_wrapping() {
        assert_eq!(count(1u32, "epoch", "epochs"), "1 epoch");
        assert_eq!(count(0u32, "epoch", "epochs"), "0 epochs");
        assert_eq!(count(2u64, "cell", "cells"), "2 cells");
        for (n, a) in [
            (8, "an"),
            (11, "an"),
            (18, "an"),
            (80, "an"),
            (7, "a"),
            (16, "a"),
            (1, "a"),
            (110, "a"),
            (11000, "an"),
        ] {
            assert_eq!(article_for_number(n), a, "{n}");
        }
        let w = wrap("one two three four five six", 10, "", "  ");
        assert_eq!(w, "one two\n  three\n  four\n  five six");
        assert!(w.lines().all(|l| l.chars().count() <= 10));
        assert_eq!(
            wrap("averyveryverylongword x", 5, "", ""),
            "averyveryverylongword\nx"
        );
    }
}
