//! Real graphs as populations: `model = "edges"` reads an edge list.
//!
//! The file is text, one conversation per line: two ids for a pair, more for a group,
//! separated by spaces, tabs or commas; `#` starts a comment (to the end of the line) and
//! blank lines are skipped. A file whose name ends in `.gz` is read through gzip. Ids are
//! non-negative integers of any spelling width (at most `u64::MAX`), remapped densely to
//! users `0, 1, 2, …` in the order they are first seen, so the population has exactly the
//! users the file names.
//!
//! Bounds: at most [`MAX_EDGE_USERS`] distinct users and [`MAX_EDGE_CONVERSATIONS`]
//! conversations; the file (after decompression) at most [`MAX_EDGE_FILE_BYTES`] bytes, a
//! limit raised for this input only (every other file escrowlab reads is held to
//! [`crate::limits::MAX_FILE_BYTES`]). A line that is not made of integer ids, that names
//! one member only, or whose id would make more users than the bound is an input error
//! (exit 2) naming `file:line:column`. A repeated member within a line, a line whose
//! members are all one id (a self-loop) and a line repeating an earlier conversation's
//! member set (a duplicate) are dropped, and counted in one warning.
//!
//! Nothing here ships or downloads a data set: published graphs (SNAP's `email-Enron`,
//! `wiki-Talk`, `CollegeMsg`, …) are fetched by the user (docs/POPULATIONS.md).

use super::Conversation;
use crate::error::{Error, Result};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Most distinct users an edge list may name (the population limit).
pub const MAX_EDGE_USERS: usize = crate::limits::MAX_USERS;
/// Most conversations (lines) an edge list may hold.
pub const MAX_EDGE_CONVERSATIONS: usize = 10_000_000;
/// Largest edge list read, in bytes after decompression: 2 GiB (the limit of every other
/// input file, [`crate::limits::MAX_FILE_BYTES`], is raised for this input only).
pub const MAX_EDGE_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// A graph read from an edge list: its users and conversations, ids remapped densely.
#[derive(Debug, PartialEq, Eq)]
pub struct EdgeGraph {
    /// Distinct users (ids `0..users`).
    pub users: u32,
    /// Each conversation's members (sorted, distinct), in file order.
    pub conversations: Vec<Vec<u32>>,
    /// Lines dropped as self-loops (every member the same id).
    pub self_loops: u64,
    /// Lines dropped as repeating an earlier conversation's member set.
    pub duplicates: u64,
    /// Repeated members dropped from lines that were kept.
    pub repeated_members: u64,
}

impl EdgeGraph {
    /// The warning about what was dropped, or `None` when nothing was.
    pub fn warning(&self, path: &str) -> Option<String> {
        if self.self_loops == 0 && self.duplicates == 0 && self.repeated_members == 0 {
            return None;
        }
        Some(format!(
            "warning: {path}: dropped {} self-loop line(s), {} duplicate conversation(s) and {} repeated member(s)",
            self.self_loops, self.duplicates, self.repeated_members
        ))
    }

    /// Parses an edge list from `reader`; `name` is the file name errors give.
    ///
    /// # Errors
    /// [`Error::Input`] naming `name:line:column` for a token that is not a non-negative
    /// integer id, a line with one member, an id past [`MAX_EDGE_USERS`] distinct users, a
    /// conversation past [`MAX_EDGE_CONVERSATIONS`], or a file past
    /// [`MAX_EDGE_FILE_BYTES`]; [`Error::Io`] for a read error (a corrupt gzip stream
    /// included).
    pub fn parse(reader: impl Read, name: &str) -> Result<EdgeGraph> {
        Self::parse_bounded(reader, name, MAX_EDGE_USERS, MAX_EDGE_CONVERSATIONS)
    }

    /// [`EdgeGraph::parse`] with the bounds given (the tests use small ones).
    fn parse_bounded(
        reader: impl Read,
        name: &str,
        max_users: usize,
        max_conversations: usize,
    ) -> Result<EdgeGraph> {
        let mut reader = std::io::BufReader::new(reader.take(MAX_EDGE_FILE_BYTES + 1));
        let mut ids: HashMap<u64, u32> = HashMap::new();
        let mut seen: HashSet<Vec<u32>> = HashSet::new();
        let mut g = EdgeGraph {
            users: 0,
            conversations: Vec::new(),
            self_loops: 0,
            duplicates: 0,
            repeated_members: 0,
        };
        let mut line = Vec::new();
        let mut read = 0u64;
        let mut lineno = 0usize;
        let at = |l: usize, c: usize, what: String| {
            Error::input(format!("{}:{l}:{c}: {what}", crate::text::echo(name)))
        };
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line).map_err(|e| Error::Io {
                path: crate::text::echo(name),
                source: e,
            })?;
            if n == 0 {
                break;
            }
            read += n as u64;
            lineno += 1;
            if read > MAX_EDGE_FILE_BYTES {
                return Err(at(
                    lineno,
                    1,
                    format!(
                        "the edge list is larger than the limit of {MAX_EDGE_FILE_BYTES} bytes"
                    ),
                ));
            }
            let text = match line.iter().position(|&b| b == b'#') {
                Some(i) => &line[..i],
                None => &line[..],
            };
            let mut members: Vec<u32> = Vec::new();
            let mut tokens = 0usize;
            let mut col = 0usize;
            while col < text.len() {
                if matches!(text[col], b' ' | b'\t' | b',' | b'\r' | b'\n') {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < text.len() && !matches!(text[col], b' ' | b'\t' | b',' | b'\r' | b'\n')
                {
                    col += 1;
                }
                let tok = &text[start..col];
                tokens += 1;
                let shown = String::from_utf8_lossy(&tok[..tok.len().min(40)]).into_owned();
                if !tok.iter().all(u8::is_ascii_digit) {
                    return Err(at(
                        lineno,
                        start + 1,
                        format!(
                            "`{}` is not an integer id (ids are non-negative integers)",
                            crate::text::echo(&shown)
                        ),
                    ));
                }
                let raw: u64 = std::str::from_utf8(tok)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| {
                        at(
                            lineno,
                            start + 1,
                            format!("id {shown} is over the bound of {}", u64::MAX),
                        )
                    })?;
                let next = ids.len();
                let id = match ids.get(&raw) {
                    Some(&id) => id,
                    None => {
                        if next >= max_users {
                            return Err(at(
                                lineno,
                                start + 1,
                                format!(
                                    "id {raw} is over the bound: it would be user {} (at most {max_users} users)",
                                    next + 1
                                ),
                            ));
                        }
                        ids.insert(raw, next as u32);
                        next as u32
                    }
                };
                members.push(id);
            }
            match tokens {
                0 => continue,
                1 => {
                    let c = text
                        .iter()
                        .position(|b| !b.is_ascii_whitespace() && *b != b',')
                        .unwrap_or(0);
                    return Err(at(
                        lineno,
                        c + 1,
                        "one member only (a conversation needs two ids, a group more)".into(),
                    ));
                }
                _ => {}
            }
            members.sort_unstable();
            let before = members.len();
            members.dedup();
            if members.len() < 2 {
                g.self_loops += 1;
                continue;
            }
            g.repeated_members += (before - members.len()) as u64;
            if seen.contains(&members) {
                g.duplicates += 1;
                continue;
            }
            if g.conversations.len() >= max_conversations {
                return Err(at(
                    lineno,
                    1,
                    format!("more than {max_conversations} conversations"),
                ));
            }
            seen.insert(members.clone());
            g.conversations.push(members);
        }
        g.users = ids.len() as u32;
        if g.users < 2 || g.conversations.is_empty() {
            return Err(Error::input(format!(
                "{}: the edge list has no conversation between two distinct users",
                crate::text::echo(name)
            )));
        }
        Ok(g)
    }

    /// The conversations as the world holds them (ids in file order).
    pub(crate) fn to_conversations(&self) -> Vec<Conversation> {
        self.conversations
            .iter()
            .enumerate()
            .map(|(id, m)| Conversation {
                id: id as u32,
                members: m.clone(),
                group: m.len() > 2,
            })
            .collect()
    }
}

/// Reads the edge list at `path` (gzip when its name ends in `.gz`), refusing anything but
/// a regular file before opening it.
///
/// # Errors
/// As [`EdgeGraph::parse`]; [`Error::Io`] when the file cannot be opened.
pub fn read(path: &Path) -> Result<EdgeGraph> {
    let name = path.display().to_string();
    let io = |source| Error::Io {
        path: crate::text::echo(&name),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if let Some(what) = crate::input::not_regular(&meta.file_type()) {
        return Err(Error::input(format!(
            "{}: is {what}, not a regular file",
            crate::text::echo(&name)
        )));
    }
    let f = std::fs::File::open(path).map_err(io)?;
    if name.ends_with(".gz") {
        EdgeGraph::parse(flate2::read::MultiGzDecoder::new(f), &name)
    } else {
        EdgeGraph::parse(f, &name)
    }
}

type Cache = Mutex<HashMap<(PathBuf, u64, Option<std::time::SystemTime>), Arc<EdgeGraph>>>;

/// The graph at `path`, read once per process (keyed by path, size and modification time)
/// and shared by every world built from it. The warning about dropped lines is printed
/// to standard error the first time.
///
/// # Errors
/// As [`read`].
pub fn load(path: &str) -> Result<Arc<EdgeGraph>> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let p = PathBuf::from(path);
    let meta = std::fs::metadata(&p).map_err(|source| Error::Io {
        path: crate::text::echo(path),
        source,
    })?;
    let key = (p.clone(), meta.len(), meta.modified().ok());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(g) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(g);
    }
    let g = Arc::new(read(&p)?);
    if let Some(w) = g.warning(path) {
        crate::progress::eprintln_above(&w);
    }
    if let Ok(mut c) = cache.lock() {
        c.insert(key, g.clone());
    }
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<EdgeGraph> {
        EdgeGraph::parse(s.as_bytes(), "g.txt")
    }

    #[test]
    fn ids_are_remapped_in_first_seen_order() {
        let g = parse("# a comment\n10 7\n7,3 10 # a group\n\n3\t99\n").unwrap();
        assert_eq!(g.users, 4);
        assert_eq!(g.conversations, vec![vec![0, 1], vec![0, 1, 2], vec![2, 3]]);
    }

    #[test]
    fn self_loops_and_duplicates_are_dropped_and_counted() {
        let g = parse("1 2\n2 1\n3 3\n1 2 2 4\n").unwrap();
        assert_eq!(g.conversations, vec![vec![0, 1], vec![0, 1, 3]]);
        assert_eq!((g.self_loops, g.duplicates, g.repeated_members), (1, 1, 1));
        assert!(g.warning("g.txt").unwrap().contains("1 self-loop"));
        assert!(parse("1 2\n").unwrap().warning("g").is_none());
    }

    #[test]
    fn bad_lines_name_line_and_column() {
        let e = parse("1 2\n3 x4\n").unwrap_err().to_string();
        assert!(
            e.contains("g.txt:2:3:") && e.contains("not an integer"),
            "{e}"
        );
        let e = parse("1 2\n  5 # alone\n").unwrap_err().to_string();
        assert!(e.contains("g.txt:2:3:") && e.contains("one member"), "{e}");
        let e = parse("1 -2\n").unwrap_err().to_string();
        assert!(e.contains("g.txt:1:3:"), "{e}");
        let e = parse("1 99999999999999999999999\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("g.txt:1:3:") && e.contains("over the bound"),
            "{e}"
        );
        assert!(parse("# nothing\n").is_err());
        let e = EdgeGraph::parse_bounded("1 2\n2 3\n3 4\n".as_bytes(), "g", 3, 10)
            .unwrap_err()
            .to_string();
        assert!(e.contains("g:3:3:") && e.contains("over the bound"), "{e}");
        let e = EdgeGraph::parse_bounded("1 2\n2 3\n3 4\n".as_bytes(), "g", 9, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("g:3:1:") && e.contains("more than 2"), "{e}");
    }
}
