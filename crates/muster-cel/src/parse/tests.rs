//! The parser, feature by feature: each table gives expressions and what they
//! parse to, a tree as an S-expression or a diagnostic with its span.

use std::fmt::Write as _;

use expect_test::{Expect, expect};

use crate::diagnostic::render;
use crate::parse::parse;

fn check(cases: &[&str], expect: Expect) {
    let mut actual = String::new();
    for case in cases {
        match parse(case) {
            Ok(expr) => writeln!(actual, "{case}\n  {expr}").unwrap(),
            Err(diagnostic) => writeln!(actual, "{case}\n{}", render(case, &diagnostic)).unwrap(),
        }
    }
    expect.assert_eq(&actual);
}

#[test]
fn precedence() {
    check(
        &[
            "a || b && c",
            "a && b || c",
            "a == b && c != d",
            "1 + 2 * 3 - 4 / 5 % 6",
            "1 - 2 - 3",
            "a < b == c",
            "a <= b",
            "a >= b",
            "a > b != c",
            "x in [1, 2] && y",
            "a ? b : c ? d : e",
            "a || b ? c && d : e",
            "(1 + 2) * 3",
            "!a && b",
            "-x.y",
            "!a.b(c)[0]",
        ],
        expect![[r#"
            a || b && c
              (|| a (&& b c))
            a && b || c
              (|| (&& a b) c)
            a == b && c != d
              (&& (== a b) (!= c d))
            1 + 2 * 3 - 4 / 5 % 6
              (- (+ 1 (* 2 3)) (% (/ 4 5) 6))
            1 - 2 - 3
              (- (- 1 2) 3)
            a < b == c
              (== (< a b) c)
            a <= b
              (<= a b)
            a >= b
              (>= a b)
            a > b != c
              (!= (> a b) c)
            x in [1, 2] && y
              (&& (in x (list 1 2)) y)
            a ? b : c ? d : e
              (? a b (? c d e))
            a || b ? c && d : e
              (? (|| a b) (&& c d) e)
            (1 + 2) * 3
              (* (+ 1 2) 3)
            !a && b
              (&& (! a) b)
            -x.y
              (- (. x y))
            !a.b(c)[0]
              (! (index (.b a c) 0))
        "#]],
    );
}

#[test]
fn unary_operators_and_negative_literals() {
    check(
        &[
            "!!true",
            "--1",
            "-(1)",
            "-(-9223372036854775808)",
            "-9223372036854775808",
            "- 5",
            "-0x10",
            "1 - -1",
            "1 -1",
            "!-1",
        ],
        expect![[r#"
            !!true
              (! (! true))
            --1
              (- -1)
            -(1)
              (- 1)
            -(-9223372036854775808)
              (- -9223372036854775808)
            -9223372036854775808
              -9223372036854775808
            - 5
              -5
            -0x10
              -16
            1 - -1
              (- 1 -1)
            1 -1
              (- 1 1)
            !-1
              (! -1)
        "#]],
    );
}

#[test]
fn members_calls_indexes_and_lists() {
    check(
        &[
            "person.home_province",
            "a.b.c",
            "a[0].b",
            "size(x)",
            "f(x, y)",
            "'abc'.startsWith('a')",
            "person.served_in(\"sgc\")",
            "[]",
            "[1, 'a', [null]]",
            "[1, 2,]",
            "a.for() || a.while()",
            "1 + // a comment\n  2",
        ],
        expect![[r#"
            person.home_province
              (. person home_province)
            a.b.c
              (. (. a b) c)
            a[0].b
              (. (index a 0) b)
            size(x)
              (size x)
            f(x, y)
              (f x y)
            'abc'.startsWith('a')
              (.startsWith "abc" "a")
            person.served_in("sgc")
              (.served_in person "sgc")
            []
              (list)
            [1, 'a', [null]]
              (list 1 "a" (list null))
            [1, 2,]
              (list 1 2)
            a.for() || a.while()
              (|| (.for a) (.while a))
            1 + // a comment
              2
              (+ 1 2)
        "#]],
    );
}

#[test]
fn macros() {
    check(
        &[
            "list.all(x, x > 0)",
            "list.exists(x, x == 2)",
            "[1].exists_one(x, x == 1)",
            "list.filter(x, x in y)",
            "list.map(x, x * 2)",
            "list.map(x, x > 1, x * 2)",
            "['a'].all(a, ['b'].exists(b, a + b == 'ab'))",
            "all(x, y)",
        ],
        expect![[r#"
            list.all(x, x > 0)
              (.all list x (> x 0))
            list.exists(x, x == 2)
              (.exists list x (== x 2))
            [1].exists_one(x, x == 1)
              (.exists_one (list 1) x (== x 1))
            list.filter(x, x in y)
              (.filter list x (in x y))
            list.map(x, x * 2)
              (.map list x (* x 2))
            list.map(x, x > 1, x * 2)
              (.map list x (> x 1) (* x 2))
            ['a'].all(a, ['b'].exists(b, a + b == 'ab'))
              (.all (list "a") a (.exists (list "b") b (== (+ a b) "ab")))
            all(x, y)
              (all x y)
        "#]],
    );
}

#[test]
fn integer_literals() {
    check(
        &["0", "42", "007", "0x2A", "0xff", "9223372036854775807"],
        expect![[r#"
        0
          0
        42
          42
        007
          7
        0x2A
          42
        0xff
          255
        9223372036854775807
          9223372036854775807
    "#]],
    );
}

#[test]
fn string_literals() {
    check(
        &[
            r#""double""#,
            "'single'",
            r#""""triple "double" quotes""""#,
            "'''triple\n'single' quotes'''",
            r"r'raw \n \'",
            r#"R"raw \t""#,
            r"r'''raw \' '''",
            r#"'\\ \? \" \' \` \a \b \f \n \r \t \v'"#,
            r"'\000 \101 \377'",
            r"'\x41 \X4a \u00e9 \U0001F431'",
            "'ünïcödé'",
            "''",
            "\"\"",
        ],
        expect![[r#"
            "double"
              "double"
            'single'
              "single"
            """triple "double" quotes"""
              "triple \"double\" quotes"
            '''triple
            'single' quotes'''
              "triple\n'single' quotes"
            r'raw \n \'
              "raw \\n \\"
            R"raw \t"
              "raw \\t"
            r'''raw \' '''
              "raw \\' "
            '\\ \? \" \' \` \a \b \f \n \r \t \v'
              "\\ ? \" ' ` \u0007 \u0008 \u000c \n \r \t \u000b"
            '\000 \101 \377'
              "\u0000 A ÿ"
            '\x41 \X4a \u00e9 \U0001F431'
              "A J é 🐱"
            'ünïcödé'
              "ünïcödé"
            ''
              ""
            ""
              ""
        "#]],
    );
}

#[test]
fn syntax_errors() {
    check(
        &[
            ")",
            "",
            "1 +",
            "(1",
            "[1 2]",
            "f(1,)",
            "a.",
            "a.1",
            "a b",
            "true ? 1",
            "a ? b ? c : d : e",
            "person.status = \"killed\"",
            "a & b",
            "a | b",
            "#",
            "café",
            "for",
            "if(x)",
            "x.in()",
        ],
        expect![[r#"
            )
            error 1:1 (0..1): expected an expression, found `)`
              | )
              | ^


            error 1:1 (0..0): expected an expression, found the end of the expression
              | 
              | ^

            1 +
            error 1:4 (3..3): expected an expression, found the end of the expression
              | 1 +
              |    ^

            (1
            error 1:3 (2..2): expected `)`, found the end of the expression
              | (1
              |   ^

            [1 2]
            error 1:4 (3..4): expected `,` or `]`, found `2`
              | [1 2]
              |    ^

            f(1,)
            error 1:5 (4..5): expected an expression, found `)`
              | f(1,)
              |     ^

            a.
            error 1:3 (2..2): expected a field or method name after `.`, found the end of the expression
              | a.
              |   ^

            a.1
            error 1:2 (1..3): floating-point numbers are not supported in order conditions
              | a.1
              |  ^^
              = help: use whole numbers

            a b
            error 1:3 (2..3): expected an operator or the end of the expression, found `b`
              | a b
              |   ^

            true ? 1
            error 1:9 (8..8): expected `:`, found the end of the expression
              | true ? 1
              |         ^

            a ? b ? c : d : e
            error 1:7 (6..7): expected `:`, found `?`
              | a ? b ? c : d : e
              |       ^

            person.status = "killed"
            error 1:15 (14..15): expected `==`, found `=`
              | person.status = "killed"
              |               ^
              = help: CEL writes this operator `==`

            a & b
            error 1:3 (2..3): expected `&&`, found `&`
              | a & b
              |   ^
              = help: CEL writes this operator `&&`

            a | b
            error 1:3 (2..3): expected `||`, found `|`
              | a | b
              |   ^
              = help: CEL writes this operator `||`

            #
            error 1:1 (0..1): unexpected character `#`
              | #
              | ^

            café
            error 1:4 (3..5): unexpected character `é`
              | café
              |    ^

            for
            error 1:1 (0..3): `for` is a reserved word and cannot name a variable or function
              | for
              | ^^^

            if(x)
            error 1:1 (0..2): `if` is a reserved word and cannot name a variable or function
              | if(x)
              | ^^

            x.in()
            error 1:3 (2..4): expected a field or method name after `.`, found `in`
              | x.in()
              |   ^^

        "#]],
    );
}

#[test]
fn unsupported_forms() {
    check(
        &[
            "1.5",
            ".5",
            "1e3",
            "person.age > 1u",
            "0x1U",
            "b'bytes'",
            "RB\"bytes\"",
            "{'a': 1}",
            "Person{name: 'x'}",
            "a.?b",
            "a[?0]",
        ],
        expect![[r#"
            1.5
            error 1:1 (0..3): floating-point numbers are not supported in order conditions
              | 1.5
              | ^^^
              = help: use whole numbers

            .5
            error 1:1 (0..2): floating-point numbers are not supported in order conditions
              | .5
              | ^^
              = help: use whole numbers

            1e3
            error 1:1 (0..3): floating-point numbers are not supported in order conditions
              | 1e3
              | ^^^
              = help: use whole numbers

            person.age > 1u
            error 1:14 (13..15): unsigned integers are not supported in order conditions
              | person.age > 1u
              |              ^^
              = help: leave out the `u`: integers are 64-bit signed

            0x1U
            error 1:1 (0..4): unsigned integers are not supported in order conditions
              | 0x1U
              | ^^^^
              = help: leave out the `u`: integers are 64-bit signed

            b'bytes'
            error 1:1 (0..8): bytes literals are not supported in order conditions
              | b'bytes'
              | ^^^^^^^^
              = help: write a string, without the `b`

            RB"bytes"
            error 1:1 (0..9): bytes literals are not supported in order conditions
              | RB"bytes"
              | ^^^^^^^^^
              = help: write a string, without the `b`

            {'a': 1}
            error 1:1 (0..1): maps are not supported in order conditions
              | {'a': 1}
              | ^
              = expected an expression, found `{`
              = help: use a list, such as `["a", "b"]`

            Person{name: 'x'}
            error 1:7 (6..7): message construction is not supported in order conditions
              | Person{name: 'x'}
              |       ^

            a.?b
            error 1:2 (1..3): optional field selection `.?` is not supported in order conditions
              | a.?b
              |  ^^

            a[?0]
            error 1:2 (1..3): optional indexing `[?` is not supported in order conditions
              | a[?0]
              |  ^^

        "#]],
    );
}

#[test]
fn integer_literals_out_of_range() {
    check(
        &[
            "9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999999",
            "0x8000000000000000",
            "-0x8000000000000000",
            "--9223372036854775808",
        ],
        expect![[r#"
            9223372036854775808
            error 1:1 (0..19): the integer `9223372036854775808` is out of range: integers are 64-bit, from -9223372036854775808 to 9223372036854775807
              | 9223372036854775808
              | ^^^^^^^^^^^^^^^^^^^

            -9223372036854775809
            error 1:1 (0..20): the integer `-9223372036854775809` is out of range: integers are 64-bit, from -9223372036854775808 to 9223372036854775807
              | -9223372036854775809
              | ^^^^^^^^^^^^^^^^^^^^

            99999999999999999999999
            error 1:1 (0..23): the integer `99999999999999999999999` is out of range: integers are 64-bit, from -9223372036854775808 to 9223372036854775807
              | 99999999999999999999999
              | ^^^^^^^^^^^^^^^^^^^^^^^

            0x8000000000000000
            error 1:1 (0..18): the integer `0x8000000000000000` is out of range: integers are 64-bit, from -9223372036854775808 to 9223372036854775807
              | 0x8000000000000000
              | ^^^^^^^^^^^^^^^^^^

            -0x8000000000000000
              -9223372036854775808
            --9223372036854775808
              (- -9223372036854775808)
        "#]],
    );
}

#[test]
fn string_errors() {
    check(
        &[
            "'abc",
            "'''abc''",
            "'a\nb'",
            r"'\q'",
            r"'\4'",
            r"'\0'",
            r"'\x4'",
            r"'\u12'",
            r"'\uD800'",
            r"'\U00110000'",
            r"'abc\",
        ],
        expect![[r#"
            'abc
            error 1:1 (0..1): this string is never closed
              | 'abc
              | ^
              = help: end it with `'`

            '''abc''
            error 1:1 (0..3): this string is never closed
              | '''abc''
              | ^^^
              = help: end it with `'''`

            'a
            b'
            error 1:1 (0..1): this string is not closed on its line
              | 'a
              | ^
              = help: end it with `'` before the line ends, or use triple quotes for text on several lines

            '\q'
            error 1:2 (1..3): invalid escape sequence `\q`
              | '\q'
              |  ^^
              = help: the escapes are \\ \? \" \' \` \a \b \f \n \r \t \v, \000 to \377 (octal), \x00 (hexadecimal), \u0000 and \U00000000

            '\4'
            error 1:2 (1..3): invalid escape sequence `\4`
              | '\4'
              |  ^^
              = help: the escapes are \\ \? \" \' \` \a \b \f \n \r \t \v, \000 to \377 (octal), \x00 (hexadecimal), \u0000 and \U00000000

            '\0'
            error 1:2 (1..3): invalid escape sequence `\0`: expected 3 octal digits
              | '\0'
              |  ^^
              = help: the escapes are \\ \? \" \' \` \a \b \f \n \r \t \v, \000 to \377 (octal), \x00 (hexadecimal), \u0000 and \U00000000

            '\x4'
            error 1:2 (1..4): invalid escape sequence `\x4`: expected 2 hexadecimal digits
              | '\x4'
              |  ^^^
              = help: the escapes are \\ \? \" \' \` \a \b \f \n \r \t \v, \000 to \377 (octal), \x00 (hexadecimal), \u0000 and \U00000000

            '\u12'
            error 1:2 (1..5): invalid escape sequence `\u12`: expected 4 hexadecimal digits
              | '\u12'
              |  ^^^^
              = help: the escapes are \\ \? \" \' \` \a \b \f \n \r \t \v, \000 to \377 (octal), \x00 (hexadecimal), \u0000 and \U00000000

            '\uD800'
            error 1:2 (1..7): invalid escape sequence `\uD800`: not a Unicode code point
              | '\uD800'
              |  ^^^^^^

            '\U00110000'
            error 1:2 (1..11): invalid escape sequence `\U00110000`: not a Unicode code point
              | '\U00110000'
              |  ^^^^^^^^^^

            'abc\
            error 1:5 (4..5): a string ends in `\`
              | 'abc\
              |     ^

        "#]],
    );
}

#[test]
fn macro_errors() {
    check(
        &[
            "list.all(1, true)",
            "list.exists(x.y, true)",
            "list.all(x)",
            "list.filter(x, y, z)",
            "list.map(x)",
            "list.map(a, b, c, d)",
            "list.all(for, true)",
        ],
        expect![[r#"
            list.all(1, true)
            error 1:10 (9..10): expected a variable name as the first argument of `all`, found `1`
              | list.all(1, true)
              |          ^
              = help: write, for example, `list.all(x, ...)`

            list.exists(x.y, true)
            error 1:13 (12..15): expected a variable name as the first argument of `exists`, found `x.y`
              | list.exists(x.y, true)
              |             ^^^
              = help: write, for example, `list.exists(x, ...)`

            list.all(x)
            error 1:6 (5..11): `all` takes 2 arguments: a variable name and a condition, found 1
              | list.all(x)
              |      ^^^^^^

            list.filter(x, y, z)
            error 1:6 (5..20): `filter` takes 2 arguments: a variable name and a condition, found 3
              | list.filter(x, y, z)
              |      ^^^^^^^^^^^^^^^

            list.map(x)
            error 1:6 (5..11): `map` takes 2 or 3 arguments: a variable name, an optional condition and an expression, found 1
              | list.map(x)
              |      ^^^^^^

            list.map(a, b, c, d)
            error 1:6 (5..20): `map` takes 2 or 3 arguments: a variable name, an optional condition and an expression, found 4
              | list.map(a, b, c, d)
              |      ^^^^^^^^^^^^^^^

            list.all(for, true)
            error 1:10 (9..12): `for` is a reserved word and cannot name a variable or function
              | list.all(for, true)
              |          ^^^

        "#]],
    );
}

#[test]
fn limits() {
    let nested = format!("{}1{}", "(".repeat(101), ")".repeat(101));
    let deep_enough = format!("{}1{}", "(".repeat(99), ")".repeat(99));
    let long = vec!["1"; 1002].join(" + ");
    let long_enough = vec!["1"; 1000].join(" + ");
    assert!(parse(&deep_enough).is_ok());
    assert!(parse(&long_enough).is_ok());
    let messages: Vec<String> = [nested, long]
        .iter()
        .map(|source| match parse(source) {
            Ok(_) => "parsed".to_owned(),
            Err(diagnostic) => format!("{}: {}", diagnostic.span, diagnostic.message),
        })
        .collect();
    expect![[r#"
        [
            "100..101: the expression nests too deeply: more than 100 levels",
            "4002..4003: the expression is too long: it has more than 1000 operators",
        ]
    "#]]
    .assert_debug_eq(&messages);
}

#[test]
fn spans_cover_the_text_of_each_node() {
    let source = "person.home_provence == \"Chagang\" && (x[0] + 1) > 2";
    let expr = parse(source).unwrap();
    let mut spans = String::new();
    let mut stack = vec![&expr];
    while let Some(expr) = stack.pop() {
        writeln!(spans, "|{:>8} {}", expr.span.to_string(), &source[expr.span.range()]).unwrap();
        match &expr.kind {
            crate::ExprKind::Binary { left, right, .. } => stack.extend([&**right, &**left]),
            crate::ExprKind::Member { target, field } => {
                writeln!(spans, "|{:>8} {}", field.span.to_string(), &source[field.span.range()])
                    .unwrap();
                stack.push(target);
            }
            crate::ExprKind::Index { target, index } => stack.extend([&**index, &**target]),
            _ => {}
        }
    }
    expect![[r#"
        |   0..51 person.home_provence == "Chagang" && (x[0] + 1) > 2
        |   0..33 person.home_provence == "Chagang"
        |   0..20 person.home_provence
        |   7..20 home_provence
        |    0..6 person
        |  24..33 "Chagang"
        |  37..51 (x[0] + 1) > 2
        |  37..47 (x[0] + 1)
        |  38..42 x[0]
        |  38..39 x
        |  40..41 0
        |  45..46 1
        |  50..51 2
    "#]]
    .assert_eq(&spans);
}
