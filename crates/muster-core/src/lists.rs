//! Who is on a candidate list on a day, from the changes to its entries:
//! the rule both the store (deciding a change in its transaction) and the
//! deciding core (a list's statuses) read lists by.

use chrono::NaiveDate;

/// One change to a list's entries: a person put on it or taken off, on a
/// day, in the order recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryChange {
    pub person: String,
    pub added: bool,
    pub on: NaiveDate,
}

/// Who is on the list on `day` (with the day each was last nominated), and
/// who was taken off, in the order they were first nominated.
pub fn members(changes: &[EntryChange], day: NaiveDate) -> Vec<(String, NaiveDate, bool)> {
    let mut members: Vec<(String, NaiveDate, bool)> = Vec::new();
    let mut positions: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for change in changes.iter().filter(|change| change.on <= day) {
        match positions.get(change.person.as_str()) {
            Some(&position) => {
                let member = &mut members[position];
                if change.added {
                    if !member.2 {
                        member.1 = change.on;
                        member.2 = true;
                    }
                } else {
                    member.2 = false;
                }
            }
            None if change.added => {
                positions.insert(&change.person, members.len());
                members.push((change.person.clone(), change.on, true));
            }
            None => {}
        }
    }
    members
}
