//! Korean names: a surname drawn by how common it is, then a given name of
//! two syllables joined by a hyphen, as `Kim Chol-su`.

use crate::random::{Random, Weighted, pick_from, pick_uniform};

/// Surnames as romanised in the North, with how many in a thousand bear
/// them (approximately).
const SURNAMES: &[(&str, u32)] = &[
    ("Kim", 215),
    ("Ri", 147),
    ("Pak", 84),
    ("Choe", 47),
    ("Jong", 44),
    ("Kang", 23),
    ("Jo", 21),
    ("Yun", 21),
    ("Jang", 20),
    ("Rim", 17),
    ("Han", 15),
    ("O", 15),
    ("So", 12),
    ("Sin", 12),
    ("Kwon", 11),
    ("Hwang", 11),
    ("An", 11),
    ("Song", 10),
    ("Ryu", 10),
    ("Hong", 9),
    ("Jon", 9),
    ("Ko", 9),
    ("Mun", 9),
    ("Yang", 8),
    ("Son", 8),
    ("Pae", 8),
    ("Paek", 7),
    ("Ho", 6),
    ("Nam", 6),
    ("Sim", 5),
    ("No", 5),
    ("Chon", 5),
    ("Ha", 4),
    ("Kwak", 4),
    ("Ju", 4),
    ("Ryom", 3),
    ("Chae", 3),
    ("Pyon", 3),
    ("Cha", 3),
    ("Kye", 2),
    ("Tak", 1),
];

/// First syllables of men's given names.
const MALE_FIRST: &[&str] = &[
    "Chol", "Myong", "Yong", "Song", "Kwang", "Jong", "Hyok", "Il", "Nam", "Sung", "Kum", "Chang",
    "Tong", "Hak", "Hyon", "Jin", "Man", "Mun", "Sang", "Tae", "Un", "Won", "Kyong", "Ryong",
    "Chun", "Hun", "Kuk", "Pyong",
];

/// Second syllables of men's given names.
const MALE_SECOND: &[&str] = &[
    "su", "ho", "nam", "chol", "il", "guk", "jin", "hyok", "bok", "min", "sok", "man", "hun",
    "jun", "ryong", "song", "gwang", "u", "sik", "hak", "gil", "bom", "dok", "gun",
];

/// First syllables of women's given names.
const FEMALE_FIRST: &[&str] = &[
    "Hye", "Kum", "Myong", "Ok", "Son", "Sun", "Un", "Yong", "Jong", "Mi", "Hyang", "Chun",
    "Kyong", "Ryon", "Sol", "Ye", "Ju", "Hyo", "Song", "Chong",
];

/// Second syllables of women's given names.
const FEMALE_SECOND: &[&str] = &[
    "hui", "ok", "hwa", "sun", "ae", "hyang", "suk", "mi", "yong", "gyong", "ran", "ju", "jong",
    "a", "ryon", "rim", "sil", "nyo",
];

/// The draw of names.
pub(crate) struct Names {
    surnames: Weighted,
}

impl Names {
    pub(crate) fn new() -> Self {
        Names { surnames: Weighted::of(SURNAMES) }
    }

    /// Writes a full name into `name`, replacing what it held.
    pub(crate) fn draw(&self, female: bool, random: &mut Random, name: &mut String) {
        let (first, second) =
            if female { (FEMALE_FIRST, FEMALE_SECOND) } else { (MALE_FIRST, MALE_SECOND) };
        name.clear();
        name.push_str(pick_from(SURNAMES, &self.surnames, random));
        name.push(' ');
        name.push_str(pick_uniform(first, random).unwrap_or("Chol"));
        name.push('-');
        name.push_str(pick_uniform(second, random).unwrap_or("su"));
    }
}
