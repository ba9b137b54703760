//! The checker, feature by feature: each table gives conditions and either
//! `ok` or the diagnostics, with their spans and help.

use std::fmt::Write as _;

use expect_test::{Expect, expect};

use super::*;
use crate::diagnostic::render;
use crate::parse::parse;
use crate::test_schema::person_schema;

/// The ids of a small store.
struct Store;

impl KnownIds for Store {
    fn contains(&self, kind: IdKind, id: &str) -> bool {
        self.candidates(kind).iter().any(|candidate| candidate == id)
    }

    fn candidates(&self, kind: IdKind) -> Vec<String> {
        let ids: &[&str] = match kind {
            IdKind::Unit => &["sgc", "strategic-force", "first-brigade"],
            IdKind::Site => &["gomdok"],
            IdKind::Organisation => &["central-university"],
            IdKind::Order => &["mod-2023-017"],
        };
        ids.iter().map(|id| (*id).to_owned()).collect()
    }
}

fn check_with(cases: &[&str], options: &CheckOptions, expect: Expect) {
    let schema = person_schema();
    let mut actual = String::new();
    for case in cases {
        let expr = parse(case).unwrap();
        match check_condition(&expr, &schema, &Store, options) {
            Ok(()) => writeln!(actual, "{case}\n  ok").unwrap(),
            Err(diagnostics) => {
                writeln!(actual, "{case}").unwrap();
                for diagnostic in diagnostics {
                    writeln!(actual, "{}", render(case, &diagnostic)).unwrap();
                }
            }
        }
    }
    expect.assert_eq(&actual);
}

fn check_conditions(cases: &[&str], expect: Expect) {
    check_with(cases, &CheckOptions::default(), expect);
}

fn check_types(cases: &[&str], expect: Expect) {
    let schema = person_schema();
    let mut actual = String::new();
    for case in cases {
        let expr = parse(case).unwrap();
        match check(&expr, &schema, &Store, &CheckOptions::default()) {
            Ok(expr_type) => writeln!(actual, "{case}: {expr_type}").unwrap(),
            Err(diagnostics) => writeln!(actual, "{case}: {} errors", diagnostics.len()).unwrap(),
        }
    }
    expect.assert_eq(&actual);
}

#[test]
fn the_reported_orders_check() {
    check_conditions(
        &[
            r#"person.home_province == "Chagang""#,
            r#"person.status == "discharged" && person.served_in_tagged("important")"#,
            r#"person.served_in("sgc") || person.served_in("strategic-force") || person.served_in("first-brigade")"#,
            r#"person.discharge_cycle == "2020-autumn" && person.deployed_at("gomdok")"#,
            r#"person.admitted("central-university")"#,
        ],
        expect![[r#"
            person.home_province == "Chagang"
              ok
            person.status == "discharged" && person.served_in_tagged("important")
              ok
            person.served_in("sgc") || person.served_in("strategic-force") || person.served_in("first-brigade")
              ok
            person.discharge_cycle == "2020-autumn" && person.deployed_at("gomdok")
              ok
            person.admitted("central-university")
              ok
        "#]],
    );
}

#[test]
fn types() {
    check_types(
        &[
            "1",
            "'a'",
            "null",
            "today",
            "person.enlisted",
            "[1, 2]",
            "[1, 'a']",
            "[]",
            "[[1], []]",
            "[] + [1]",
            "[1, 2].map(x, x * 2)",
            "[1, 2].map(x, x > 1, 'big')",
            "[1, 2].filter(x, x > 1)",
            "true ? person.enlisted : null",
            "true ? null : today",
            "[1, 'a'][0]",
            "size('abc')",
            "date('2020-10-01')",
        ],
        expect![[r#"
            1: int
            'a': string
            null: null
            today: date
            person.enlisted: date or null
            [1, 2]: list(int)
            [1, 'a']: list(dyn)
            []: list(dyn)
            [[1], []]: list(list(dyn))
            [] + [1]: list(dyn)
            [1, 2].map(x, x * 2): list(int)
            [1, 2].map(x, x > 1, 'big'): list(string)
            [1, 2].filter(x, x > 1): list(int)
            true ? person.enlisted : null: date or null
            true ? null : today: date or null
            [1, 'a'][0]: dyn
            size('abc'): int
            date('2020-10-01'): date
        "#]],
    );
}

#[test]
fn unknown_names() {
    check_conditions(
        &[
            r#"person.home_provence == "Chagang""#,
            "persn.age > 30",
            "x",
            "person.agee > 1 && person.nme == 'x'",
            "person.salary > 1",
            "person.servd_in('sgc')",
            "person.promoted('x')",
            "person.served_in",
            "person.age() > 1",
            "served_in('sgc')",
            "startsWith('a')",
            "home_province == 'x'",
            "siz('abc') > 1",
            "has(person.rank)",
            "today.year > 2000",
            "person.name.beginsWith('K')",
            "person.name.startWith('K')",
            "[1].contains(1)",
            "['a'].exists(unit, units == 'a')",
        ],
        expect![[r#"
            person.home_provence == "Chagang"
            error 1:8 (7..20): unknown field `home_provence` of `person`
              | person.home_provence == "Chagang"
              |        ^^^^^^^^^^^^^
              = help: did you mean `home_province`?

            persn.age > 30
            error 1:1 (0..5): unknown variable `persn`
              | persn.age > 30
              | ^^^^^
              = help: did you mean `person`?

            x
            error 1:1 (0..1): unknown variable `x`
              | x
              | ^
              = help: the variables are `today` and `person`

            person.agee > 1 && person.nme == 'x'
            error 1:8 (7..11): unknown field `agee` of `person`
              | person.agee > 1 && person.nme == 'x'
              |        ^^^^
              = help: did you mean `age`?

            error 1:27 (26..29): unknown field `nme` of `person`
              | person.agee > 1 && person.nme == 'x'
              |                           ^^^
              = help: did you mean `name`?

            person.salary > 1
            error 1:8 (7..13): unknown field `salary` of `person`
              | person.salary > 1
              |        ^^^^^^
              = help: the fields of `person` are `id`, `name`, `sex`, `home_province`, `home_county`, `branch`, `rank`, `specialty`, `born`, `enlisted`, `term_end`, `age`, `discharge_cycle` and `status`

            person.servd_in('sgc')
            error 1:8 (7..15): unknown method `servd_in` of `person`
              | person.servd_in('sgc')
              |        ^^^^^^^^
              = help: did you mean `served_in`?

            person.promoted('x')
            error 1:8 (7..15): unknown method `promoted` of `person`
              | person.promoted('x')
              |        ^^^^^^^^
              = help: the methods of `person` are `served_in`, `served_in_tagged`, `serving_in`, `deployed_at`, `admitted`, `exempted`, `had` and `delayed_by`

            person.served_in
            error 1:8 (7..16): `served_in` is a method of `person`, not a field
              | person.served_in
              |        ^^^^^^^^^
              = help: call it: `person.served_in("...")`

            person.age() > 1
            error 1:8 (7..10): `age` is a field of `person`, not a method
              | person.age() > 1
              |        ^^^
              = help: write `person.age`, without parentheses

            served_in('sgc')
            error 1:1 (0..9): unknown function `served_in`
              | served_in('sgc')
              | ^^^^^^^^^
              = help: `served_in` is a method of `person`: write `person.served_in(...)`

            startsWith('a')
            error 1:1 (0..10): unknown function `startsWith`
              | startsWith('a')
              | ^^^^^^^^^^
              = help: `startsWith` is a method of strings: write `text.startsWith(...)`

            home_province == 'x'
            error 1:1 (0..13): unknown variable `home_province`
              | home_province == 'x'
              | ^^^^^^^^^^^^^
              = help: the variables are `today` and `person`

            siz('abc') > 1
            error 1:1 (0..3): unknown function `siz`
              | siz('abc') > 1
              | ^^^
              = help: did you mean `size`?

            has(person.rank)
            error 1:1 (0..3): unknown function `has`
              | has(person.rank)
              | ^^^
              = help: `has` is not supported in order conditions: every field of `person` is always there

            today.year > 2000
            error 1:7 (6..10): unknown field `year`: a date has no fields
              | today.year > 2000
              |       ^^^^

            person.name.beginsWith('K')
            error 1:13 (12..22): unknown method `beginsWith`: a string has no such method
              | person.name.beginsWith('K')
              |             ^^^^^^^^^^
              = help: its methods are `startsWith`, `endsWith`, `contains` and `size`

            person.name.startWith('K')
            error 1:13 (12..21): unknown method `startWith`: a string has no such method
              | person.name.startWith('K')
              |             ^^^^^^^^^
              = help: did you mean `startsWith`?

            [1].contains(1)
            error 1:5 (4..12): unknown method `contains`: a list(int) has no such method
              | [1].contains(1)
              |     ^^^^^^^^
              = help: to look for a value in a list, write `value in list`

            ['a'].exists(unit, units == 'a')
            error 1:20 (19..24): unknown variable `units`
              | ['a'].exists(unit, units == 'a')
              |                    ^^^^^
              = help: did you mean `unit`?

        "#]],
    );
}

#[test]
fn ids_and_words() {
    check_conditions(
        &[
            "person.served_in('sgcc')",
            "person.serving_in('SGC')",
            "person.deployed_at('nowhere')",
            "person.delayed_by('mod-2023-17')",
            "person.served_in_tagged('anything') && person.admitted('anything')",
            "person.exempted('medical')",
            "person.had('awl')",
            "person.had('promoted')",
            "person.had('killed')",
            "['sgc', 'sgd'].exists(unit, person.served_in(unit))",
            "person.status == 'discharge'",
            "person.status in ['serving', 'abroad', 'dead']",
            "'serving' != person.status",
            "person.sex == 'm'",
            "person.branch == ''",
        ],
        expect![[r#"
            person.served_in('sgcc')
            error 1:18 (17..23): unknown unit `sgcc`
              | person.served_in('sgcc')
              |                  ^^^^^^
              = help: did you mean `sgc`?

            person.serving_in('SGC')
            error 1:19 (18..23): unknown unit `SGC`
              | person.serving_in('SGC')
              |                   ^^^^^
              = help: did you mean `sgc`?

            person.deployed_at('nowhere')
            error 1:20 (19..28): unknown site `nowhere`
              | person.deployed_at('nowhere')
              |                    ^^^^^^^^^

            person.delayed_by('mod-2023-17')
            error 1:19 (18..31): unknown order `mod-2023-17`
              | person.delayed_by('mod-2023-17')
              |                   ^^^^^^^^^^^^^
              = help: did you mean `mod-2023-017`?

            person.served_in_tagged('anything') && person.admitted('anything')
              ok
            person.exempted('medical')
              ok
            person.had('awl')
            error 1:12 (11..16): `awl` is not a known event kind
              | person.had('awl')
              |            ^^^^^
              = help: did you mean `awol`? the event kinds are `admitted`, `discharged`, `posted`, `returned`, `injured`, `killed`, `awol` and `exempted`

            person.had('promoted')
            error 1:12 (11..21): `promoted` is not a known event kind
              | person.had('promoted')
              |            ^^^^^^^^^^
              = help: the event kinds are `admitted`, `discharged`, `posted`, `returned`, `injured`, `killed`, `awol` and `exempted`

            person.had('killed')
              ok
            ['sgc', 'sgd'].exists(unit, person.served_in(unit))
              ok
            person.status == 'discharge'
            error 1:18 (17..28): `discharge` is never a value of `person.status`
              | person.status == 'discharge'
              |                  ^^^^^^^^^^^
              = help: did you mean `discharged`? its values are `killed`, `awol`, `abroad`, `discharged`, `serving` and `civilian`

            person.status in ['serving', 'abroad', 'dead']
            error 1:40 (39..45): `dead` is never a value of `person.status`
              | person.status in ['serving', 'abroad', 'dead']
              |                                        ^^^^^^
              = help: its values are `killed`, `awol`, `abroad`, `discharged`, `serving` and `civilian`

            'serving' != person.status
              ok
            person.sex == 'm'
            error 1:15 (14..17): `m` is never a value of `person.sex`
              | person.sex == 'm'
              |               ^^^
              = help: did you mean `M`? its values are `M` and `F`

            person.branch == ''
              ok
        "#]],
    );
}

#[test]
fn arguments() {
    check_conditions(
        &[
            "person.served_in(1)",
            "person.served_in(null)",
            "person.served_in()",
            "person.served_in('sgc', 'gomdok')",
            "size(1) > 0",
            "size('a', 'b') > 0",
            "person.name.size() > 1",
            "person.name.size(1) > 1",
            "person.name.startsWith(1)",
            "date(1) < today",
            "date('2020-13-01') < today",
            "date('1 October 2020') < today",
            "date('2020-10-01') < today",
        ],
        expect![[r#"
            person.served_in(1)
            error 1:18 (17..18): the argument of `served_in` must be a string, found int
              | person.served_in(1)
              |                  ^
              = expected string, found int

            person.served_in(null)
            error 1:18 (17..21): the argument of `served_in` must be a string, found null
              | person.served_in(null)
              |                  ^^^^
              = expected string, found null

            person.served_in()
            error 1:1 (0..18): `served_in` takes 1 argument, found 0
              | person.served_in()
              | ^^^^^^^^^^^^^^^^^^

            person.served_in('sgc', 'gomdok')
            error 1:1 (0..33): `served_in` takes 1 argument, found 2
              | person.served_in('sgc', 'gomdok')
              | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^

            size(1) > 0
            error 1:6 (5..6): `size` takes a string or a list, found int
              | size(1) > 0
              |      ^
              = expected a string or a list, found int

            size('a', 'b') > 0
            error 1:1 (0..14): `size` takes 1 argument, found 2
              | size('a', 'b') > 0
              | ^^^^^^^^^^^^^^

            person.name.size() > 1
              ok
            person.name.size(1) > 1
            error 1:1 (0..19): `size` takes 0 arguments, found 1
              | person.name.size(1) > 1
              | ^^^^^^^^^^^^^^^^^^^

            person.name.startsWith(1)
            error 1:24 (23..24): the argument of `startsWith` must be a string, found int
              | person.name.startsWith(1)
              |                        ^
              = expected string, found int

            date(1) < today
            error 1:6 (5..6): the argument of `date` must be a string, found int
              | date(1) < today
              |      ^
              = expected string, found int

            date('2020-13-01') < today
            error 1:6 (5..17): `2020-13-01` is not a date of the form YYYY-MM-DD
              | date('2020-13-01') < today
              |      ^^^^^^^^^^^^
              = help: write a day the calendar has, such as `date("2020-10-01")`

            date('1 October 2020') < today
            error 1:6 (5..21): `1 October 2020` is not a date of the form YYYY-MM-DD
              | date('1 October 2020') < today
              |      ^^^^^^^^^^^^^^^^
              = help: write a day the calendar has, such as `date("2020-10-01")`

            date('2020-10-01') < today
              ok
        "#]],
    );
}

#[test]
fn operators() {
    check_conditions(
        &[
            "person.age == 'x'",
            "'a' + 1 == 'a1'",
            "person.age + 1 > 18 && person.age - 1 < 60 && person.age * 2 / 3 % 4 == 0",
            "person.name + '!' == 'x!'",
            "person.name - 'x' == ''",
            "!1",
            "-'a' == 1",
            "1 && true",
            "true || 'a'",
            "'a' in 'abc'",
            "1 in ['a']",
            "[1] < [2]",
            "null < null",
            "person.born < '2000-01-01'",
            "person.born > date('2000-01-01') && person.born <= today",
            "true ? 1 : 'a'",
            "1 ? true : false",
            "[1, 2][0] + 1 > 2",
            "'abc'[0] == 'a'",
            "[1][true] == 1",
            "[1, 'a'] == [1, 'a']",
            "[1] == ['a']",
            "[1] + ['a'] == []",
        ],
        expect![[r#"
            person.age == 'x'
            error 1:1 (0..17): `==` cannot compare int and string
              | person.age == 'x'
              | ^^^^^^^^^^^^^^^^^
              = expected int, found string

            'a' + 1 == 'a1'
            error 1:1 (0..7): `+` cannot add string and int
              | 'a' + 1 == 'a1'
              | ^^^^^^^
              = expected string, found int

            person.age + 1 > 18 && person.age - 1 < 60 && person.age * 2 / 3 % 4 == 0
              ok
            person.name + '!' == 'x!'
              ok
            person.name - 'x' == ''
            error 1:1 (0..17): `-` takes ints, found string and string
              | person.name - 'x' == ''
              | ^^^^^^^^^^^^^^^^^
              = expected int, found string and string

            !1
            error 1:2 (1..2): the operand of `!` must be a bool, found int
              | !1
              |  ^
              = expected bool, found int

            -'a' == 1
            error 1:2 (1..4): the operand of `-` must be an int, found string
              | -'a' == 1
              |  ^^^
              = expected int, found string

            1 && true
            error 1:1 (0..1): each operand of `&&` must be a bool, found int
              | 1 && true
              | ^
              = expected bool, found int

            true || 'a'
            error 1:9 (8..11): each operand of `||` must be a bool, found string
              | true || 'a'
              |         ^^^
              = expected bool, found string

            'a' in 'abc'
            error 1:8 (7..12): `in` looks in a list, and this is a string
              | 'a' in 'abc'
              |        ^^^^^
              = expected a list, found string

            1 in ['a']
            error 1:1 (0..10): `in` cannot look for int in list(string)
              | 1 in ['a']
              | ^^^^^^^^^^
              = expected list(int), found list(string)

            [1] < [2]
            error 1:1 (0..9): `<` cannot order list(int) and list(int)
              | [1] < [2]
              | ^^^^^^^^^
              = expected list(int), found list(int)

            null < null
            error 1:1 (0..11): `<` cannot order null and null
              | null < null
              | ^^^^^^^^^^^
              = expected null, found null

            person.born < '2000-01-01'
            error 1:1 (0..26): `<` cannot order date and string
              | person.born < '2000-01-01'
              | ^^^^^^^^^^^^^^^^^^^^^^^^^^
              = expected date, found string

            person.born > date('2000-01-01') && person.born <= today
              ok
            true ? 1 : 'a'
            error 1:1 (0..14): the branches of `? :` have different types: int and string
              | true ? 1 : 'a'
              | ^^^^^^^^^^^^^^
              = expected int, found string

            1 ? true : false
            error 1:1 (0..1): the condition of `? :` must be a bool, found int
              | 1 ? true : false
              | ^
              = expected bool, found int

            [1, 2][0] + 1 > 2
              ok
            'abc'[0] == 'a'
            error 1:1 (0..5): only lists can be indexed, and this is a string
              | 'abc'[0] == 'a'
              | ^^^^^
              = expected a list, found string

            [1][true] == 1
            error 1:5 (4..8): an index must be an int, found bool
              | [1][true] == 1
              |     ^^^^
              = expected int, found bool

            [1, 'a'] == [1, 'a']
              ok
            [1] == ['a']
            error 1:1 (0..12): `==` cannot compare list(int) and list(string)
              | [1] == ['a']
              | ^^^^^^^^^^^^
              = expected list(int), found list(string)

            [1] + ['a'] == []
            error 1:1 (0..11): `+` cannot add list(int) and list(string)
              | [1] + ['a'] == []
              | ^^^^^^^^^^^
              = expected list(int), found list(string)

        "#]],
    );
}

#[test]
fn nullable_dates() {
    check_conditions(
        &[
            "person.enlisted == null",
            "person.term_end != null && person.term_end < today",
            "null == person.enlisted",
            "person.born == null",
            "person.age == null",
            "person.enlisted + 1 == null",
            "person.enlisted == person.born",
        ],
        expect![[r#"
            person.enlisted == null
              ok
            person.term_end != null && person.term_end < today
              ok
            null == person.enlisted
              ok
            person.born == null
            error 1:1 (0..19): `==` cannot compare date and null
              | person.born == null
              | ^^^^^^^^^^^^^^^^^^^
              = expected date, found null

            person.age == null
            error 1:1 (0..18): `==` cannot compare int and null
              | person.age == null
              | ^^^^^^^^^^^^^^^^^^
              = expected int, found null

            person.enlisted + 1 == null
            error 1:1 (0..19): `+` cannot add date or null and int
              | person.enlisted + 1 == null
              | ^^^^^^^^^^^^^^^^^^^
              = expected date or null, found int

            person.enlisted == person.born
              ok
        "#]],
    );
}

#[test]
fn conditions_must_be_bool() {
    check_conditions(
        &[
            "person.age",
            "person.name",
            "[true]",
            "[true, 1][0]",
            "person",
            "[person]",
            "person.agee",
        ],
        expect![[r#"
            person.age
            error 1:1 (0..10): expected a condition (bool), found int
              | person.age
              | ^^^^^^^^^^
              = expected bool, found int

            person.name
            error 1:1 (0..11): expected a condition (bool), found string
              | person.name
              | ^^^^^^^^^^^
              = expected bool, found string

            [true]
            error 1:1 (0..6): expected a condition (bool), found list(bool)
              | [true]
              | ^^^^^^
              = expected bool, found list(bool)

            [true, 1][0]
              ok
            person
            error 1:1 (0..6): `person` is not a value: read one of its fields or call a method
              | person
              | ^^^^^^
              = help: such as `person.home_province`

            [person]
            error 1:2 (1..7): `person` is not a value: read one of its fields or call a method
              | [person]
              |  ^^^^^^
              = help: such as `person.home_province`

            person.agee
            error 1:8 (7..11): unknown field `agee` of `person`
              | person.agee
              |        ^^^^
              = help: did you mean `age`?

        "#]],
    );
}

#[test]
fn macros() {
    check_conditions(
        &[
            "[1, 2].all(x, x > 0)",
            "[1, 2].all(x, x)",
            "person.name.exists(x, true)",
            "[1, 2].map(x, x * 2) == [2, 4]",
            "[1, 2].map(x, x, x * 2) == [2, 4]",
            "[1, 'a'].exists(x, x == 1)",
            "[1, 2].filter(x, x + 1) == []",
            "[1, 2].exists_one(x, x == 1)",
            "['a'].all(person, person.startsWith('a'))",
            "[1].all(x, x > 0) && x > 0",
        ],
        expect![[r#"
            [1, 2].all(x, x > 0)
              ok
            [1, 2].all(x, x)
            error 1:15 (14..15): the condition of `all` must be a bool, found int
              | [1, 2].all(x, x)
              |               ^
              = expected bool, found int

            person.name.exists(x, true)
            error 1:1 (0..11): `exists` works on lists, and this is a string
              | person.name.exists(x, true)
              | ^^^^^^^^^^^
              = expected a list, found string

            [1, 2].map(x, x * 2) == [2, 4]
              ok
            [1, 2].map(x, x, x * 2) == [2, 4]
            error 1:15 (14..15): the condition of `map` must be a bool, found int
              | [1, 2].map(x, x, x * 2) == [2, 4]
              |               ^
              = expected bool, found int

            [1, 'a'].exists(x, x == 1)
              ok
            [1, 2].filter(x, x + 1) == []
            error 1:18 (17..22): the condition of `filter` must be a bool, found int
              | [1, 2].filter(x, x + 1) == []
              |                  ^^^^^
              = expected bool, found int

            [1, 2].exists_one(x, x == 1)
              ok
            ['a'].all(person, person.startsWith('a'))
              ok
            [1].all(x, x > 0) && x > 0
            error 1:22 (21..22): unknown variable `x`
              | [1].all(x, x > 0) && x > 0
              |                      ^
              = help: the variables are `today` and `person`

        "#]],
    );
}

#[test]
fn forbidden_fields() {
    check_with(
        &[
            "person.status == 'serving'",
            "person.served_in('sgc') && person.status != 'killed'",
            "person.age > 20",
        ],
        &CheckOptions::discharge_rule(),
        expect![[r#"
            person.status == 'serving'
            error 1:8 (7..13): a discharge rule may not read `person.status`: it depends on the discharge being decided
              | person.status == 'serving'
              |        ^^^^^^

            person.served_in('sgc') && person.status != 'killed'
            error 1:35 (34..40): a discharge rule may not read `person.status`: it depends on the discharge being decided
              | person.served_in('sgc') && person.status != 'killed'
              |                                   ^^^^^^

            person.age > 20
              ok
        "#]],
    );
}

#[test]
fn the_unknown_field_points_at_its_name() {
    let source = r#"person.home_provence == "Chagang""#;
    let expr = parse(source).unwrap();
    let diagnostics =
        check_condition(&expr, &person_schema(), &Store, &CheckOptions::default()).unwrap_err();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].span, Span::new(7, 20));
    assert_eq!(diagnostics[0].span.line_and_column(source), (1, 8));
    assert_eq!(diagnostics[0].help.as_deref(), Some("did you mean `home_province`?"));
}

#[test]
fn a_condition_dearer_than_the_limit_is_refused_with_its_cost() {
    let list = (1..=35).map(|number| number.to_string()).collect::<Vec<_>>().join(",");
    let attack = format!(
        "[{list}].all(a, [{list}].all(b, [{list}].exists(c, [{list}].exists(d, \
         a+b+c+d == 0))))"
    );
    let expr = parse(&attack).unwrap();
    let diagnostics =
        check_condition(&expr, &person_schema(), &Store, &CheckOptions::default()).unwrap_err();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].span, expr.span, "the diagnostic is on the whole condition");
    expect![[r#"
        evaluating this condition may cost up to 30,233,177 cost units, more than the limit of 10,000
        help: a macro costs its body once per element of its list, and nested macros multiply: use shorter lists or fewer nested macros"#]]
    .assert_eq(&format!(
        "{}\nhelp: {}",
        diagnostics[0].message,
        diagnostics[0].help.as_deref().unwrap_or_default()
    ));
    // `check` refuses it as well.
    assert!(check(&expr, &person_schema(), &Store, &CheckOptions::default()).is_err());
}

#[test]
fn the_cost_limit_is_an_option() {
    check_with(
        &[
            "[1, 2, 3].all(x, [1, 2, 3].all(y, x != y || x == y))",
            "[1, 2, 3].all(x, x > 0)",
            r#"person.name == "Kim""#,
        ],
        &CheckOptions { cost_limit: 100, ..CheckOptions::default() },
        expect![[r#"
            [1, 2, 3].all(x, [1, 2, 3].all(y, x != y || x == y))
            error 1:1 (0..52): evaluating this condition may cost up to 161 cost units, more than the limit of 100
              | [1, 2, 3].all(x, [1, 2, 3].all(y, x != y || x == y))
              | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
              = help: a macro costs its body once per element of its list, and nested macros multiply: use shorter lists or fewer nested macros

            [1, 2, 3].all(x, x > 0)
              ok
            person.name == "Kim"
              ok
        "#]],
    );
}

#[test]
fn a_field_without_a_bound_makes_the_cost_unbounded() {
    let mut schema = person_schema();
    schema.person_fields.push(Field::new("notes", Type::String));
    let cost = |text: &str| crate::cost::estimate_cost(&parse(text).unwrap(), &schema);
    assert_eq!(cost("person.notes == 'x'"), u64::MAX);
    assert_eq!(cost("person.age > 20"), 6);
    let expr = parse("person.notes.contains('x')").unwrap();
    let diagnostics =
        check_condition(&expr, &schema, &Store, &CheckOptions::default()).unwrap_err();
    assert_eq!(
        diagnostics[0].message,
        "the cost of evaluating this condition has no bound, and the limit is 10,000 cost units"
    );
}

#[test]
fn fields_and_methods_the_caller_may_not_read() {
    check_with(
        &[
            "person.name == 'Kim' && person.age > 20",
            "person.served_in('sgc')",
            "person.home_province == 'Chagang' || person.had('posted')",
            "['sgc'].exists(unit, person.served_in(unit))",
            "person.home_provence == 'Chagang'",
        ],
        &CheckOptions {
            readable: Readable::only(["id", "name", "age"], ["had"]),
            ..CheckOptions::default()
        },
        expect![[r#"
            person.name == 'Kim' && person.age > 20
              ok
            person.served_in('sgc')
            error 1:8 (7..16): `person.served_in` is not readable here: this caller may read `id`, `name`, `age` and `had`
              | person.served_in('sgc')
              |        ^^^^^^^^^

            person.home_province == 'Chagang' || person.had('posted')
            error 1:8 (7..20): `person.home_province` is not readable here: this caller may read `id`, `name`, `age` and `had`
              | person.home_province == 'Chagang' || person.had('posted')
              |        ^^^^^^^^^^^^^

            ['sgc'].exists(unit, person.served_in(unit))
            error 1:29 (28..37): `person.served_in` is not readable here: this caller may read `id`, `name`, `age` and `had`
              | ['sgc'].exists(unit, person.served_in(unit))
              |                             ^^^^^^^^^

            person.home_provence == 'Chagang'
            error 1:8 (7..20): unknown field `home_provence` of `person`
              | person.home_provence == 'Chagang'
              |        ^^^^^^^^^^^^^
              = help: did you mean `home_province`?

        "#]],
    );
}

#[test]
fn a_caller_who_may_read_nothing_is_told_so() {
    let options =
        CheckOptions { readable: Readable::only::<&str, &str>([], []), ..CheckOptions::default() };
    let expr = parse("person.age > 20 && today > date('2020-01-01')").unwrap();
    let diagnostics = check_condition(&expr, &person_schema(), &Store, &options).unwrap_err();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(
        diagnostics[0].message,
        "`person.age` is not readable here: this caller may read nothing of `person`"
    );
    let expr = parse("today > date('2020-01-01')").unwrap();
    assert_eq!(check_condition(&expr, &person_schema(), &Store, &options), Ok(()));
}

#[test]
fn everything_is_readable_by_default() {
    assert_eq!(CheckOptions::default().readable, Readable::everything());
    assert!(Readable::everything().field("status"));
    assert!(Readable::everything().method("delayed_by"));
    let only = Readable::only(["id"], ["had"]);
    assert!(only.field("id") && !only.field("name"));
    assert!(only.method("had") && !only.method("served_in"));
}
