//! [`AppendLog`]: an append-only list whose copies and prefixes share one allocation.
//!
//! The relay's transcript and the ground-truth store only ever grow, and the world at an
//! earlier moment of a run holds a prefix of a later one's. Keeping them in an `AppendLog`
//! makes a copy of a world, or the world as it stood at an epoch boundary, cost a reference
//! count instead of a copy of every message: memory grows with one run's messages, not with
//! the number of worlds and snapshots that see them. A copy that appends after a shared
//! prefix takes its own copy of that prefix first (copy on write), so copies never see
//! each other's appends.

use std::sync::Arc;

/// An append-only list that reads as a slice; `clone` and [`AppendLog::prefix`] share the
/// items instead of copying them.
pub struct AppendLog<T> {
    items: Arc<Vec<T>>,
    len: usize,
}

impl<T> AppendLog<T> {
    /// The first `n` items (all of them when `n` is larger), sharing this log's storage.
    pub fn prefix(&self, n: usize) -> AppendLog<T> {
        AppendLog {
            items: Arc::clone(&self.items),
            len: n.min(self.len),
        }
    }
}

impl<T: Clone> AppendLog<T> {
    /// The storage, this log's own (copying the shared prefix first when another log
    /// shares it).
    fn own(&mut self) -> &mut Vec<T> {
        if self.len != self.items.len() {
            self.items = Arc::new(self.items[..self.len].to_vec());
        }
        Arc::make_mut(&mut self.items)
    }
    /// Appends one item.
    pub fn push(&mut self, item: T) {
        self.own().push(item);
        self.len += 1;
    }
    /// Makes room for exactly `additional` more items (no doubling: the world knows how
    /// many messages an epoch brings before it appends them).
    pub fn reserve_exact(&mut self, additional: usize) {
        self.own().reserve_exact(additional);
    }
}

impl<T> Default for AppendLog<T> {
    fn default() -> Self {
        AppendLog {
            items: Arc::new(Vec::new()),
            len: 0,
        }
    }
}

impl<T> Clone for AppendLog<T> {
    fn clone(&self) -> Self {
        self.prefix(self.len)
    }
}

impl<T> std::ops::Deref for AppendLog<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items[..self.len]
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for AppendLog<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: PartialEq> PartialEq for AppendLog<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for AppendLog<T> {}

impl<'a, T> IntoIterator for &'a AppendLog<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Clone> FromIterator<T> for AppendLog<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let v: Vec<T> = iter.into_iter().collect();
        AppendLog {
            len: v.len(),
            items: Arc::new(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AppendLog;

    #[test]
    fn copies_and_prefixes_share_until_one_appends() {
        let mut a: AppendLog<u32> = (0..5).collect();
        let b = a.clone();
        let p = a.prefix(2);
        assert_eq!(&*p, &[0, 1]);
        a.push(5);
        assert_eq!(&*a, &[0, 1, 2, 3, 4, 5]);
        assert_eq!(
            &*b,
            &[0, 1, 2, 3, 4],
            "a copy does not see the other's append"
        );
        let mut q = p.clone();
        q.push(9);
        assert_eq!(&*q, &[0, 1, 9]);
        assert_eq!(&*p, &[0, 1], "a prefix's append copies the prefix first");
        assert_eq!(&*a, &[0, 1, 2, 3, 4, 5]);
        assert_eq!(a.prefix(100).len(), 6);
        assert_eq!(format!("{:?}", p), "[0, 1]");
    }
}
