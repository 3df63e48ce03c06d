//! [`SmallMap`]: a map from strings, sorted, in one allocation, for the few labels and annotations an entity has.
//!
//! A `BTreeMap` allocates a node for eleven entries whatever it holds; with two maps an entity and 100,000
//! entities, that was a twentieth of a 50,000-service plan's memory. Entities are read once and looked up after,
//! so a sorted slice does all a map did.

use std::borrow::Cow;

/// Keys sorted and unique; read-only once built. A key borrows a static when the caller had one (the
/// annotations paved knows, on nearly every entity): no copy of it per entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmallMap<V>(Box<[(Cow<'static, str>, V)]>);

impl<V> Default for SmallMap<V> {
    fn default() -> Self {
        SmallMap(Box::default())
    }
}

impl<V> SmallMap<V> {
    /// Where `key` stands in [`SmallMap::iter`]'s order.
    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.0.binary_search_by(|(k, _)| (**k).cmp(key)).ok()
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.index_of(key).map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.index_of(key).is_some()
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| &**k)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Of two entries with one key, the last is kept, as `BTreeMap` insertion keeps it.
impl<K: Into<Cow<'static, str>>, V> FromIterator<(K, V)> for SmallMap<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let mut entries: Vec<(Cow<'static, str>, V)> = items.into_iter().map(|(k, v)| (k.into(), v)).collect();
        // Stable, so equal keys stay in insertion order and the last of each run is the one inserted last.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut unique: Vec<(Cow<'static, str>, V)> = Vec::with_capacity(entries.len());
        for entry in entries {
            match unique.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => unique.push(entry),
            }
        }
        SmallMap(unique.into_boxed_slice())
    }
}

impl<V> std::ops::Index<&str> for SmallMap<V> {
    type Output = V;
    /// # Panics
    /// When `key` is absent, as `BTreeMap`'s index does.
    fn index(&self, key: &str) -> &V {
        self.get(key).expect("key present in SmallMap")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn answers_as_a_btreemap_built_from_the_same_entries() {
        let entries = [("b", 1), ("a", 2), ("c", 3), ("a", 4), ("d", 5), ("b", 6)];
        let small: SmallMap<i32> = entries.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let tree: BTreeMap<String, i32> = entries.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        assert_eq!(small.iter().collect::<Vec<_>>(), tree.iter().map(|(k, v)| (k.as_str(), v)).collect::<Vec<_>>());
        for key in ["a", "b", "c", "d", "e", ""] {
            assert_eq!(small.get(key), tree.get(key), "{key}");
            assert_eq!(small.contains_key(key), tree.contains_key(key), "{key}");
        }
        assert_eq!(small.len(), 4);
        assert_eq!(small["a"], 4);
        assert_eq!(small.index_of("c"), Some(2));
        assert!(SmallMap::<i32>::default().is_empty());
    }
}
