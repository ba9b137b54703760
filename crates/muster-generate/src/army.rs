//! The army: top commands, each a tree of units (command > division >
//! regiment > battalion > company), and the pools soldiers are assigned
//! from.

use rand::Rng;

use crate::random::{Random, Weighted, pick_uniform};

/// The branch of a unit or a soldier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Branch {
    Army,
    Navy,
    Air,
    Strategic,
}

impl Branch {
    /// The word of the dataset.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Branch::Army => "army",
            Branch::Navy => "navy",
            Branch::Air => "air",
            Branch::Strategic => "strategic",
        }
    }
}

/// What a top command is, which decides its branch and the names of its
/// levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Guard,
    StrategicForce,
    FirstBrigade,
    Corps,
    Fleet,
    AirDivision,
}

impl Role {
    fn branch(self) -> Branch {
        match self {
            Role::Guard | Role::FirstBrigade | Role::Corps => Branch::Army,
            Role::StrategicForce => Branch::Strategic,
            Role::Fleet => Branch::Navy,
            Role::AirDivision => Branch::Air,
        }
    }

    fn important(self) -> bool {
        matches!(self, Role::Guard | Role::StrategicForce | Role::FirstBrigade)
    }

    /// The names of the levels below the top, from the highest.
    fn levels(self) -> [&'static str; 4] {
        match self {
            Role::Guard | Role::Corps => ["Division", "Regiment", "Battalion", "Company"],
            Role::StrategicForce => ["Brigade", "Regiment", "Battalion", "Battery"],
            Role::FirstBrigade => ["Battalion", "Company", "Platoon", "Squad"],
            Role::Fleet => ["Squadron", "Flotilla", "Division", "Crew"],
            Role::AirDivision => ["Regiment", "Squadron", "Flight", "Section"],
        }
    }

    /// The share of all units the command holds, in thousandths, split
    /// evenly between the commands of the role.
    fn unit_share(self) -> u32 {
        match self {
            Role::Guard => 20,
            Role::StrategicForce => 15,
            Role::FirstBrigade => 8,
            Role::Corps => 770,
            Role::Fleet => 80,
            Role::AirDivision => 100,
        }
    }
}

/// The deepest level of the tree: top command is level 1, company level 5.
const DEEPEST: u8 = 5;

/// A unit of the tree.
pub(crate) struct Unit {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) parent: Option<u32>,
    pub(crate) children: Vec<u32>,
    /// 1 for a top command.
    pub(crate) depth: u8,
    /// The index of its top command in [`Army::commands`].
    pub(crate) command: u32,
    /// Tagged `engineering` itself.
    pub(crate) engineering: bool,
    /// Tagged `engineering`, or below a unit that is.
    pub(crate) in_engineering: bool,
    /// How many leaf units it holds, itself included when it is a leaf.
    pub(crate) leaves_below: u32,
}

/// A top command with its administration and the units soldiers serve in.
pub(crate) struct Command {
    pub(crate) role: Role,
    pub(crate) branch: Branch,
    pub(crate) important: bool,
    /// The id of its unit-administration organisation.
    pub(crate) administration: String,
    pub(crate) administration_name: String,
    /// The units without sub-units.
    pub(crate) leaves: Vec<u32>,
    /// The units holding at least one leaf.
    pub(crate) near_leaves: Vec<u32>,
}

/// A set of commands soldiers are drawn into, by the leaves each holds.
pub(crate) struct Pool {
    commands: Vec<u32>,
    weights: Weighted,
}

impl Pool {
    fn new(army_commands: &[Command], members: Vec<u32>) -> Pool {
        let weights = Weighted::new(
            members.iter().map(|&command| army_commands[command as usize].leaves.len() as u32),
        );
        Pool { commands: members, weights }
    }

    /// A command of the pool, by its size.
    pub(crate) fn pick(&self, random: &mut Random) -> u32 {
        self.commands.get(self.weights.pick(random)).copied().unwrap_or(0)
    }
}

/// The whole army.
pub(crate) struct Army {
    pub(crate) units: Vec<Unit>,
    pub(crate) commands: Vec<Command>,
    /// The numbered corps.
    pub(crate) regular_army: Pool,
    /// The guard command and the first brigade.
    pub(crate) important_army: Pool,
    pub(crate) navy: Pool,
    pub(crate) air: Pool,
    pub(crate) strategic: Pool,
    /// The units of the corps below their top, which campaigns deploy.
    pub(crate) deployable: Vec<u32>,
    /// The deployable units that are or belong to engineering units.
    pub(crate) deployable_engineering: Vec<u32>,
    /// How many leaves the corps hold.
    pub(crate) regular_leaves: u32,
}

impl Army {
    /// An army of about `target` units, at least one top command of each
    /// role.
    pub(crate) fn new(target: u64, random: &mut Random) -> Army {
        let target = target.max(40);
        let corps = (target / 400).clamp(3, 12) as u32;
        let air_divisions = (target / 1000).clamp(1, 4) as u32;
        let mut tops: Vec<(String, String, Role)> = vec![
            ("sgc".into(), "Supreme Guard Command".into(), Role::Guard),
            ("strategic-force".into(), "Strategic Force".into(), Role::StrategicForce),
            ("first-brigade".into(), "First Brigade".into(), Role::FirstBrigade),
        ];
        for number in 1..=corps {
            tops.push((format!("c{number}"), format!("{} Corps", ordinal(number)), Role::Corps));
        }
        tops.push(("east-fleet".into(), "East Sea Fleet".into(), Role::Fleet));
        tops.push(("west-fleet".into(), "West Sea Fleet".into(), Role::Fleet));
        for number in 1..=air_divisions {
            tops.push((
                format!("air{number}"),
                format!("{} Air Division", ordinal(number)),
                Role::AirDivision,
            ));
        }
        let role_count =
            |role: Role| tops.iter().filter(|(_, _, other)| *other == role).count() as u64;

        let mut army = Army {
            units: Vec::new(),
            commands: Vec::new(),
            regular_army: Pool { commands: Vec::new(), weights: Weighted::new([]) },
            important_army: Pool { commands: Vec::new(), weights: Weighted::new([]) },
            navy: Pool { commands: Vec::new(), weights: Weighted::new([]) },
            air: Pool { commands: Vec::new(), weights: Weighted::new([]) },
            strategic: Pool { commands: Vec::new(), weights: Weighted::new([]) },
            deployable: Vec::new(),
            deployable_engineering: Vec::new(),
            regular_leaves: 0,
        };
        let share_total: u64 = [
            Role::Guard,
            Role::StrategicForce,
            Role::FirstBrigade,
            Role::Corps,
            Role::Fleet,
            Role::AirDivision,
        ]
        .iter()
        .map(|role| u64::from(role.unit_share()))
        .sum();
        for (id, name, role) in &tops {
            let share = u64::from(role.unit_share());
            let allotment = (target * share / share_total / role_count(*role)).max(3);
            army.grow_command(id, name, *role, allotment as u32, random);
        }
        army.finish(random);
        army
    }

    /// Adds a top command with `allotment` units, filled level by level.
    fn grow_command(
        &mut self,
        id: &str,
        name: &str,
        role: Role,
        allotment: u32,
        random: &mut Random,
    ) {
        let command = self.commands.len() as u32;
        let top = self.units.len() as u32;
        self.units.push(Unit {
            id: id.to_string(),
            name: name.to_string(),
            parent: None,
            children: Vec::new(),
            depth: 1,
            command,
            engineering: false,
            in_engineering: false,
            leaves_below: 0,
        });
        // The fan-out that fills the levels: the least `b` with
        // 1 + b + b^2 + b^3 + b^4 at least the allotment.
        let mut fan_out = 2u32;
        while (0..u32::from(DEEPEST)).map(|level| fan_out.pow(level)).sum::<u32>() < allotment {
            fan_out += 1;
        }
        let (fewest, most) = (fan_out, fan_out + 1);
        let levels = role.levels();
        let mut remaining = allotment.saturating_sub(1);
        let mut next = top as usize;
        while remaining > 0 && next < self.units.len() {
            let parent = next as u32;
            next += 1;
            let depth = self.units[parent as usize].depth;
            if depth >= DEEPEST {
                break;
            }
            let children = random.random_range(fewest..=most).min(remaining);
            remaining -= children;
            for number in 1..=children {
                let parent_unit = &self.units[parent as usize];
                let level = levels[usize::from(depth - 1).min(levels.len() - 1)];
                let engineering = role == Role::Corps
                    && (2..=3).contains(&(depth + 1))
                    && !parent_unit.in_engineering
                    && random.random_bool(0.12);
                let unit = Unit {
                    id: format!("{}-{number}", parent_unit.id),
                    name: format!("{} {level}, {}", ordinal(number), parent_unit.name),
                    parent: Some(parent),
                    children: Vec::new(),
                    depth: depth + 1,
                    command,
                    engineering,
                    in_engineering: engineering || parent_unit.in_engineering,
                    leaves_below: 0,
                };
                let index = self.units.len() as u32;
                self.units.push(unit);
                self.units[parent as usize].children.push(index);
            }
        }
        self.commands.push(Command {
            role,
            branch: role.branch(),
            important: role.important(),
            administration: format!("adm-{id}"),
            administration_name: format!("Administration of the {name}"),
            leaves: Vec::new(),
            near_leaves: Vec::new(),
        });
    }

    /// Counts the leaves, fills the pools and the deployable units.
    fn finish(&mut self, random: &mut Random) {
        // At least one engineering unit, so that every army has some.
        if !self.units.iter().any(|unit| unit.engineering) {
            let candidates: Vec<u32> = (0..self.units.len() as u32)
                .filter(|&index| {
                    let unit = &self.units[index as usize];
                    unit.depth == 2 && self.commands[unit.command as usize].role == Role::Corps
                })
                .collect();
            if let Some(chosen) = pick_uniform(&candidates, random) {
                let mut stack = vec![chosen];
                self.units[chosen as usize].engineering = true;
                while let Some(index) = stack.pop() {
                    self.units[index as usize].in_engineering = true;
                    stack.extend(self.units[index as usize].children.iter().copied());
                }
            }
        }
        // Children come after their parents, so a walk backwards sees every
        // child before its parent.
        for index in (0..self.units.len()).rev() {
            let unit = &self.units[index];
            let is_leaf = unit.children.is_empty();
            let command = unit.command as usize;
            if is_leaf {
                self.units[index].leaves_below += 1;
            }
            let leaves = self.units[index].leaves_below;
            if let Some(parent) = self.units[index].parent {
                self.units[parent as usize].leaves_below += leaves;
            }
            if is_leaf {
                self.commands[command].leaves.push(index as u32);
            }
        }
        for index in 0..self.units.len() {
            let unit = &self.units[index];
            let command = unit.command as usize;
            if unit.children.iter().any(|&child| self.units[child as usize].children.is_empty()) {
                self.commands[command].near_leaves.push(index as u32);
            }
            if self.commands[command].role == Role::Corps && unit.depth >= 2 {
                self.deployable.push(index as u32);
                if unit.in_engineering {
                    self.deployable_engineering.push(index as u32);
                }
            }
        }
        for command in &mut self.commands {
            command.leaves.reverse();
        }
        let members = |role: &dyn Fn(Role) -> bool| -> Vec<u32> {
            (0..self.commands.len() as u32)
                .filter(|&index| role(self.commands[index as usize].role))
                .collect()
        };
        let regular = members(&|role| role == Role::Corps);
        let important = members(&|role| matches!(role, Role::Guard | Role::FirstBrigade));
        let navy = members(&|role| role == Role::Fleet);
        let air = members(&|role| role == Role::AirDivision);
        let strategic = members(&|role| role == Role::StrategicForce);
        self.regular_leaves = regular
            .iter()
            .map(|&command| self.commands[command as usize].leaves.len() as u32)
            .sum();
        self.regular_army = Pool::new(&self.commands, regular);
        self.important_army = Pool::new(&self.commands, important);
        self.navy = Pool::new(&self.commands, navy);
        self.air = Pool::new(&self.commands, air);
        self.strategic = Pool::new(&self.commands, strategic);
    }

    /// A unit of a command to assign a soldier to: mostly a leaf, sometimes
    /// the unit just above leaves.
    pub(crate) fn pick_unit(&self, command: u32, random: &mut Random) -> u32 {
        let command = &self.commands[command as usize];
        if !command.near_leaves.is_empty()
            && random.random_bool(0.15)
            && let Some(unit) = pick_uniform(&command.near_leaves, random)
        {
            return unit;
        }
        pick_uniform(&command.leaves, random).unwrap_or(0)
    }

    /// The pool of regular commands of a branch.
    pub(crate) fn pool(&self, branch: Branch) -> &Pool {
        match branch {
            Branch::Army => &self.regular_army,
            Branch::Navy => &self.navy,
            Branch::Air => &self.air,
            Branch::Strategic => &self.strategic,
        }
    }

    /// Every unit of the subtree of `unit`, itself first, into `out`.
    pub(crate) fn subtree(&self, unit: u32, out: &mut Vec<u32>) {
        out.clear();
        out.push(unit);
        let mut next = 0;
        while next < out.len() {
            let index = out[next] as usize;
            next += 1;
            out.extend(self.units[index].children.iter().copied());
        }
    }

    /// The unit and its ancestors, up to its top command.
    pub(crate) fn ancestors_and_self(&self, unit: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(Some(unit), |&index| self.units[index as usize].parent)
    }

    /// The tags of a unit, as the cell of `units.csv`.
    pub(crate) fn tags(&self, unit: &Unit) -> &'static str {
        let command = &self.commands[unit.command as usize];
        if unit.depth == 1 && command.important {
            "important"
        } else if unit.engineering {
            "engineering"
        } else {
            ""
        }
    }
}

/// `1st`, `2nd`, `3rd`, `4th`, `11th`, `21st`.
pub(crate) fn ordinal(number: u32) -> String {
    let suffix = match (number % 10, number % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{number}{suffix}")
}
