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

/// A piece of input to echo in a message: cut to [`ECHO_MAX_CHARS`] characters.
pub fn echo(s: &str) -> String {
    clip(s, ECHO_MAX_CHARS).into_owned()
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
}
