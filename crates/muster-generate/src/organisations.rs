//! The organisations: the ministry and its recruitment department, the
//! agencies, the institutions, the placement companies (with the countries
//! they send people to). The unit administrations, one per top command,
//! come from the army (see `army.rs`).

/// An organisation of the fixed set.
pub(crate) struct Organisation {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) parent: &'static str,
}

/// The id of the ministry, parent of the unit administrations.
pub(crate) const MINISTRY: &str = "mod";

const fn organisation(
    id: &'static str,
    name: &'static str,
    kind: &'static str,
    parent: &'static str,
) -> Organisation {
    Organisation { id, name, kind, parent }
}

/// Every organisation but the unit administrations, parents first.
pub(crate) const ORGANISATIONS: &[Organisation] = &[
    organisation(MINISTRY, "Ministry of Defence", "ministry", ""),
    organisation("errd", "Enlisted-Rank Recruitment Department", "department", MINISTRY),
    organisation("msc", "Military Security Command", "agency", MINISTRY),
    organisation("mss", "Ministry of State Security", "agency", ""),
    organisation("msoc", "Ministry of Social Security", "agency", ""),
    organisation("central-univ", "Kim Il Sung University", "institution", ""),
    organisation("kim-chaek-univ", "Kim Chaek University of Technology", "institution", ""),
    organisation(MEDICAL_COLLEGE, "Pyongyang Medical College", "institution", ""),
    organisation(
        "hamhung-chemical-univ",
        "Hamhung University of Chemical Industry",
        "institution",
        "",
    ),
    organisation("haebit", "Haebit Trading Company", "placement", MINISTRY),
    organisation("sonbong", "Sonbong General Corporation", "placement", MINISTRY),
    organisation("korea-unha", "Korea Unha General Corporation", "placement", MINISTRY),
    organisation("rungrado", "Korea Rungrado General Trading Corporation", "placement", MINISTRY),
    organisation("paekho", "Korea Paekho Trading Corporation", "placement", MINISTRY),
];

/// The institutions soldiers are admitted to, with the admission's category
/// and weight.
pub(crate) const INSTITUTIONS: &[((&str, &str), u32)] = &[
    (("central-univ", "central-university"), 40),
    (("kim-chaek-univ", "central-university"), 30),
    (("pyongyang-medical", "medical-college"), 15),
    (("hamhung-chemical-univ", "university"), 15),
];

/// The institution that issues medical certificates.
pub(crate) const MEDICAL_COLLEGE: &str = "pyongyang-medical";

/// A placement company and the countries it posts people to, with weights.
pub(crate) struct Placement {
    pub(crate) id: &'static str,
    pub(crate) countries: &'static [(&'static str, u32)],
}

/// The placement companies, with weights.
pub(crate) const PLACEMENTS: &[(Placement, u32)] = &[
    (Placement { id: "haebit", countries: &[("Russia", 60), ("China", 40)] }, 30),
    (Placement { id: "sonbong", countries: &[("Russia", 50), ("Kuwait", 25), ("Qatar", 25)] }, 25),
    (
        Placement {
            id: "korea-unha",
            countries: &[("Qatar", 35), ("Kuwait", 25), ("United Arab Emirates", 25), ("Oman", 15)],
        },
        15,
    ),
    (Placement { id: "rungrado", countries: &[("China", 60), ("Mongolia", 25), ("Laos", 15)] }, 20),
    (
        Placement {
            id: "paekho",
            countries: &[("Russia", 40), ("Angola", 20), ("Malaysia", 20), ("Poland", 20)],
        },
        10,
    ),
];
