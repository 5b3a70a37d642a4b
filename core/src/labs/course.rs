//! The course key: the instructor's secret every student's seed derives from.
//!
//! `escrowlab lab course init` writes a course file (`./course.key` or `--out PATH`, mode
//! `0600`): 32 random bytes from the operating system and the course's grading options.
//! A student's seed for lab N is HMAC-SHA-256 under that key of `escrowlab-lab/N/ID`,
//! reduced to 1..=[`super::MAX_LAB_SEED`]: without the key, no one can compute a student's
//! seed, and so no one can print an answer key. The file is TOML:
//!
//! ```toml
//! key = "64 hex digits"
//! hints = false
//! ```
//!
//! `hints = true` lets `lab check` say which way a wrong number is off and list the valid
//! names of a choice; by default it says only right or wrong.

use crate::error::{Error, Result};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The environment variable that names the course file when `--course-key` is not given.
pub const COURSE_KEY_ENV: &str = "ESCROWLAB_COURSE_KEY";

/// A course: its secret key and its grading options.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Course {
    key: [u8; 32],
    /// Whether `lab check` gives direction hints and lists valid names.
    #[zeroize(skip)]
    pub hints: bool,
}

impl std::fmt::Debug for Course {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Course")
            .field("key", &"<secret>")
            .field("hints", &self.hints)
            .finish()
    }
}

impl Course {
    /// A new course with a key from the operating system's random source, hints off.
    pub fn generate() -> Course {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Course { key, hints: false }
    }

    /// A course with a given key (tests; a key is otherwise made by [`Course::generate`]).
    pub fn from_key(key: [u8; 32], hints: bool) -> Course {
        Course { key, hints }
    }

    /// The course file's text.
    pub fn to_file_text(&self) -> String {
        format!(
            "# escrowlab course key: every student's lab seed derives from it. Keep it out of\n\
             # students' reach (this file is owner-only); losing it loses every seed handed out.\n\
             key = \"{}\"\n\
             # `true`: `lab check` says which way a wrong number is off and lists valid names.\n\
             hints = false\n",
            hex::encode(self.key)
        )
        .replace("hints = false", &format!("hints = {}", self.hints))
    }

    /// Reads a course file.
    ///
    /// # Errors
    /// [`Error::Input`] when the file cannot be read or is not a course file.
    pub fn load(path: &Path) -> Result<Course> {
        let shown = crate::text::echo(&path.display().to_string());
        let bytes = crate::input::read_user_file(path)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::input(format!("{shown}: not a course key file (not UTF-8)")))?;
        let table: toml::Table = text.parse().map_err(|_| {
            Error::input(format!(
                "{shown}: not a course key file (not TOML; `escrowlab lab course init` writes one)"
            ))
        })?;
        for k in table.keys() {
            if !matches!(k.as_str(), "key" | "hints") {
                return Err(Error::input(format!(
                    "{shown}: unknown key `{}` in a course key file (it has `key` and `hints`)",
                    crate::text::echo(k)
                )));
            }
        }
        let mut key = [0u8; 32];
        let ok = table
            .get("key")
            .and_then(|v| v.as_str())
            .and_then(|h| hex::decode(h).ok())
            .filter(|b| b.len() == 32)
            .map(|b| key.copy_from_slice(&b))
            .is_some();
        if !ok {
            return Err(Error::input(format!(
                "{shown}: not a course key file: `key` must be 64 hex digits"
            )));
        }
        let hints = match table.get("hints") {
            None => false,
            Some(toml::Value::Boolean(b)) => *b,
            Some(_) => {
                return Err(Error::input(format!(
                    "{shown}: `hints` must be true or false"
                )))
            }
        };
        Ok(Course { key, hints })
    }

    /// The course file a command uses: `--course-key PATH`, else the file
    /// `ESCROWLAB_COURSE_KEY` names, else none.
    ///
    /// # Errors
    /// As [`Course::load`].
    pub fn find(flag: Option<&Path>) -> Result<Option<Course>> {
        if let Some(p) = flag {
            return Course::load(p).map(Some);
        }
        match std::env::var_os(COURSE_KEY_ENV) {
            Some(p) if !p.is_empty() => Course::load(Path::new(&p)).map(Some),
            _ => Ok(None),
        }
    }

    /// A seed for a grading world, which no student is given: HMAC-SHA-256 under the course
    /// key of `escrowlab-lab-grade/N/ID/I`, reduced to 100 000..=999 999 (above every lab
    /// seed).
    pub fn grading_seed(&self, lab: u32, student: &str, world: u32) -> u64 {
        let d = self.mac(&format!("escrowlab-lab-grade/{lab}/{student}/{world}"));
        d % 900_000 + 100_000
    }

    fn mac(&self, label: &str) -> u64 {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(label.as_bytes());
        let d = mac.finalize().into_bytes();
        let mut b = [0u8; 8];
        b.copy_from_slice(&d[..8]);
        u64::from_be_bytes(b)
    }

    /// A student's seed for a lab: HMAC-SHA-256 under the course key of
    /// `escrowlab-lab/N/ID`, reduced to 1..=[`super::MAX_LAB_SEED`].
    pub fn seed(&self, lab: u32, student: &str) -> u64 {
        self.mac(&format!("escrowlab-lab/{lab}/{student}")) % super::MAX_LAB_SEED + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_course_file_round_trips_and_seeds_depend_on_key_lab_and_student() {
        let c = Course::from_key([7; 32], true);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("course.key");
        std::fs::write(&p, c.to_file_text()).unwrap();
        let d = Course::load(&p).unwrap();
        assert!(d.hints);
        assert_eq!(c.seed(1, "alice"), d.seed(1, "alice"));
        assert_ne!(c.seed(1, "alice"), c.seed(1, "bob"));
        assert_ne!(c.seed(1, "alice"), c.seed(2, "alice"));
        let other = Course::from_key([8; 32], false);
        assert_ne!(c.seed(1, "alice"), other.seed(1, "alice"));
        assert!((1..=super::super::MAX_LAB_SEED).contains(&c.seed(3, "x")));
        assert!(!format!("{c:?}").contains("0707"));
    }

    #[test]
    fn a_file_that_is_not_a_course_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for text in ["key = \"00\"\n", "nope", "key = 3\n", "x = 1\n"] {
            let p = dir.path().join("k");
            std::fs::write(&p, text).unwrap();
            assert!(matches!(Course::load(&p), Err(Error::Input(_))), "{text}");
        }
    }
}
