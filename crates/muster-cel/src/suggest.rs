//! "Did you mean" suggestions: the nearest known name to an unknown one.

/// The candidate nearest to `name`, if one is near enough to be what was
/// meant: within one edit, or one edit in three characters for longer
/// names. Case is ignored; of equally near candidates the first wins.
pub(crate) fn nearest<'candidate>(
    name: &str,
    candidates: impl IntoIterator<Item = &'candidate str>,
) -> Option<&'candidate str> {
    let name_lowercase = name.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = strsim::damerau_levenshtein(&name_lowercase, &candidate.to_lowercase());
        let longest = name.chars().count().max(candidate.chars().count());
        let near_enough = distance <= (longest / 3).max(1);
        if near_enough && best.is_none_or(|(best_distance, _)| distance < best_distance) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// "did you mean `name`?" for the nearest candidate, if one is near enough.
pub(crate) fn did_you_mean<'candidate>(
    name: &str,
    candidates: impl IntoIterator<Item = &'candidate str>,
) -> Option<String> {
    nearest(name, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

/// `a`, `b` and `c`, each word in backticks.
pub(crate) fn list_words<'word>(words: impl IntoIterator<Item = &'word str>) -> String {
    let words: Vec<String> = words.into_iter().map(|word| format!("`{word}`")).collect();
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_near_names() {
        let fields = ["id", "name", "home_province", "home_county", "age"];
        assert_eq!(nearest("home_provence", fields), Some("home_province"));
        assert_eq!(nearest("HOME_PROVINCE", fields), Some("home_province"));
        assert_eq!(nearest("nmae", fields), Some("name"));
        assert_eq!(nearest("x", fields), None);
        assert_eq!(nearest("province", fields), None);
        assert_eq!(list_words(["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
