//! The unit tree: which units lie below which.

use std::collections::HashMap;

use crate::model::Unit;

/// The parent links of the units, for walking up the tree.
#[derive(Clone, Debug, Default)]
pub struct UnitTree {
    parents: HashMap<String, Option<String>>,
}

impl UnitTree {
    /// The tree of these units. A parent that is not among them ends the
    /// walk up, and a cycle is walked only once around.
    pub fn new<'a>(units: impl IntoIterator<Item = &'a Unit>) -> UnitTree {
        let parents =
            units.into_iter().map(|unit| (unit.id.clone(), unit.parent.clone())).collect();
        UnitTree { parents }
    }

    /// The unit itself, then its parent, and so on up to its top command.
    pub fn ancestors_or_self<'a>(&'a self, unit: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let mut next = Some(unit);
        let mut steps = 0usize;
        let limit = self.parents.len() + 1;
        std::iter::from_fn(move || {
            let current = next?;
            steps += 1;
            next = if steps > limit {
                None
            } else {
                self.parents.get(current).and_then(|parent| parent.as_deref())
            };
            Some(current)
        })
    }

    /// Whether `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: &str, ancestor: &str) -> bool {
        self.ancestors_or_self(unit).any(|id| id == ancestor)
    }
}

/// The first unit found on a cycle of parent links, if any; `parents` maps
/// each id to its parent id.
pub fn find_cycle<'a>(parents: &HashMap<&'a str, &'a str>) -> Option<Vec<&'a str>> {
    // 0: not seen, 1: on the current path, 2: done.
    let mut state: HashMap<&str, u8> = HashMap::with_capacity(parents.len());
    let mut starts: Vec<&str> = parents.keys().copied().collect();
    starts.sort_unstable();
    for start in starts {
        let mut path = Vec::new();
        let mut current = Some(start);
        while let Some(id) = current {
            match state.get(id).copied().unwrap_or(0) {
                2 => break,
                1 => {
                    let begin = path.iter().position(|on| *on == id).unwrap_or(0);
                    let mut cycle: Vec<&str> = path[begin..].to_vec();
                    cycle.push(id);
                    return Some(cycle);
                }
                _ => {
                    state.insert(id, 1);
                    path.push(id);
                    current = parents.get(id).copied();
                }
            }
        }
        for id in path {
            state.insert(id, 2);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Branch;

    fn unit(id: &str, parent: Option<&str>) -> Unit {
        Unit {
            id: id.to_string(),
            name: id.to_string(),
            parent: parent.map(str::to_string),
            branch: Branch::Army,
            tags: vec![],
            administration: None,
        }
    }

    #[test]
    fn walks_up_to_the_top_command() {
        let units = [unit("sgc", None), unit("sgc-1", Some("sgc")), unit("sgc-1-2", Some("sgc-1"))];
        let tree = UnitTree::new(&units);
        assert_eq!(
            tree.ancestors_or_self("sgc-1-2").collect::<Vec<_>>(),
            ["sgc-1-2", "sgc-1", "sgc"]
        );
        assert!(tree.is_within("sgc-1-2", "sgc"));
        assert!(!tree.is_within("sgc", "sgc-1"));
    }

    #[test]
    fn finds_a_cycle() {
        let parents: HashMap<&str, &str> =
            [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")].into_iter().collect();
        assert_eq!(find_cycle(&parents), Some(vec!["a", "b", "c", "a"]));
        let parents: HashMap<&str, &str> = [("a", "b"), ("b", "c")].into_iter().collect();
        assert_eq!(find_cycle(&parents), None);
    }
}
