//! The records, indexed for evaluating rules: each person's file with his
//! assignments, the deployments that reach him and his events; the unit
//! tree with the tags each unit carries or inherits.

use std::collections::{HashMap, HashSet};

use muster_core::{
    Calendar, Campaign, Deployed, Organisation, OrganisationKind, PersonFile, Records, Site, Unit,
    UnitTree,
};

/// The records in memory, ready for rules to read.
#[derive(Clone, Debug, Default)]
pub struct World {
    pub calendar: Calendar,
    /// Every person's file, in the order of their ids.
    pub people: Vec<PersonFile>,
    index: HashMap<String, usize>,
    pub units: HashMap<String, Unit>,
    pub tree: UnitTree,
    /// For each unit, the tags it carries or lies below.
    inherited_tags: HashMap<String, Vec<String>>,
    pub organisations: Vec<Organisation>,
    pub sites: Vec<Site>,
    pub campaigns: Vec<Campaign>,
}

impl World {
    /// Indexes the records.
    pub fn new(records: Records) -> World {
        let Records {
            calendar,
            organisations,
            units,
            sites,
            campaigns,
            mut people,
            assignments,
            deployments,
            events,
            papers,
        } = records;
        people.sort_by(|a, b| a.id.cmp(&b.id));
        let index: HashMap<String, usize> = people
            .iter()
            .enumerate()
            .map(|(position, person)| (person.id.clone(), position))
            .collect();
        let mut files: Vec<PersonFile> = people
            .into_iter()
            .map(|person| PersonFile {
                person,
                assignments: vec![],
                deployments: vec![],
                events: vec![],
                papers: vec![],
            })
            .collect();
        for assignment in assignments {
            if let Some(&position) = index.get(&assignment.person) {
                files[position].assignments.push(assignment);
            }
        }
        for event in events {
            if let Some(&position) = index.get(&event.person) {
                files[position].events.push(event);
            }
        }
        for held in papers {
            if let Some(&position) = index.get(&held.paper.person) {
                files[position].papers.push(held);
            }
        }
        let tree = UnitTree::new(&units);
        let mut by_unit: HashMap<&str, Vec<usize>> = HashMap::new();
        for (position, deployment) in deployments.iter().enumerate() {
            match &deployment.deployed {
                Deployed::Person(person) => {
                    if let Some(&person_position) = index.get(person) {
                        files[person_position].deployments.push(deployment.clone());
                    }
                }
                Deployed::Unit(unit) => by_unit.entry(unit.as_str()).or_default().push(position),
            }
        }
        if !by_unit.is_empty() {
            for file in &mut files {
                let mut reached: HashSet<usize> = HashSet::new();
                for assignment in &file.assignments {
                    for unit in tree.ancestors_or_self(&assignment.unit) {
                        if let Some(positions) = by_unit.get(unit) {
                            reached.extend(positions.iter().copied());
                        }
                    }
                }
                let mut reached: Vec<usize> = reached.into_iter().collect();
                reached.sort_unstable();
                file.deployments
                    .extend(reached.into_iter().map(|position| deployments[position].clone()));
            }
        }
        for file in &mut files {
            file.assignments.sort_by_key(|assignment| assignment.from);
            file.events.sort_by_key(|event| event.date);
            file.deployments.sort_by_key(|deployment| deployment.from);
        }
        let mut inherited_tags: HashMap<String, Vec<String>> = HashMap::new();
        let units_by_id: HashMap<String, Unit> =
            units.into_iter().map(|unit| (unit.id.clone(), unit)).collect();
        for id in units_by_id.keys() {
            let mut tags: Vec<String> = Vec::new();
            for ancestor in tree.ancestors_or_self(id) {
                if let Some(unit) = units_by_id.get(ancestor) {
                    for tag in &unit.tags {
                        if !tags.contains(tag) {
                            tags.push(tag.clone());
                        }
                    }
                }
            }
            inherited_tags.insert(id.clone(), tags);
        }
        World {
            calendar: calendar.unwrap_or_default(),
            people: files,
            index,
            units: units_by_id,
            tree,
            inherited_tags,
            organisations,
            sites,
            campaigns,
        }
    }

    /// A person's file, or `None`.
    pub fn person(&self, id: &str) -> Option<&PersonFile> {
        self.index.get(id).map(|&position| &self.people[position])
    }

    /// Whether a unit carries the tag or lies below one that does.
    pub fn unit_has_tag(&self, unit: &str, tag: &str) -> bool {
        self.inherited_tags.get(unit).is_some_and(|tags| tags.iter().any(|own| own == tag))
    }

    /// Whether the organisation exists.
    pub fn has_organisation(&self, id: &str) -> bool {
        self.organisations.iter().any(|organisation| organisation.id == id)
    }

    /// The organisations an order's `addressed_to` names: by id, or every
    /// organisation of a kind. `None` for a word that is neither.
    pub fn addressees(&self, word: &str) -> Option<Vec<String>> {
        if self.has_organisation(word) {
            return Some(vec![word.to_string()]);
        }
        let kind: OrganisationKind = word.parse().ok()?;
        Some(
            self.organisations
                .iter()
                .filter(|organisation| organisation.kind == kind)
                .map(|organisation| organisation.id.clone())
                .collect(),
        )
    }
}
