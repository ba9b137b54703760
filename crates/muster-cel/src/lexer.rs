//! The lexer: expression text to tokens, with string literals decoded.
//!
//! A lexical error ends the token list with an `Error` token, so that the
//! parser reports the first error in the order of the text.

use crate::diagnostic::{Diagnostic, Span, quote};

/// A token with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// An integer literal without its sign; `None` when it does not even fit
    /// in 64 bits unsigned. The parser checks the signed range.
    Int(Option<u64>),
    /// A string literal, decoded.
    String(String),
    /// A name; the reserved words are names here and rejected by the parser
    /// where a variable or function is expected.
    Identifier(String),
    True,
    False,
    Null,
    In,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    LeftBrace,
    RightBrace,
    Dot,
    Comma,
    Question,
    Colon,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Bang,
    EqualEqual,
    BangEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    AndAnd,
    OrOr,
    /// The end of the text.
    End,
    /// A lexical error; nothing follows it.
    Error(Box<Diagnostic>),
}

/// The words CEL reserves, which may not name a variable or function.
pub(crate) const RESERVED_WORDS: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

const NOT_SUPPORTED: &str = "not supported in order conditions";

const ESCAPES_HELP: &str = "the escapes are \\\\ \\? \\\" \\' \\` \\a \\b \\f \\n \\r \\t \\v, \
     \\000 to \\377 (octal), \\x00 (hexadecimal), \\u0000 and \\U00000000";

/// Splits the text into tokens, ending with `End` or, at the first lexical
/// error, with `Error`.
pub(crate) fn tokenize(source: &str) -> Vec<Token> {
    let mut lexer = Lexer { source, position: 0 };
    let mut tokens = Vec::new();
    loop {
        match lexer.next_token() {
            Ok(token) => {
                let end = token.kind == TokenKind::End;
                tokens.push(token);
                if end {
                    return tokens;
                }
            }
            Err(diagnostic) => {
                let span = diagnostic.span;
                tokens.push(Token { kind: TokenKind::Error(Box::new(diagnostic)), span });
                return tokens;
            }
        }
    }
}

struct Lexer<'source> {
    source: &'source str,
    position: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.source[self.position..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn skip_whitespace_and_comments(&mut self) {
        loop {
            let rest = self.rest();
            if rest.starts_with("//") {
                self.position += rest.find('\n').unwrap_or(rest.len());
            } else if let Some(character @ (' ' | '\t' | '\n' | '\r' | '\u{c}')) = self.peek() {
                self.position += character.len_utf8();
            } else {
                return;
            }
        }
    }

    fn next_token(&mut self) -> Result<Token, Diagnostic> {
        self.skip_whitespace_and_comments();
        let start = self.position;
        let Some(character) = self.peek() else {
            return Ok(Token { kind: TokenKind::End, span: Span::new(start, start) });
        };
        if character.is_ascii_digit()
            || (character == '.' && self.peek_second().is_some_and(|next| next.is_ascii_digit()))
        {
            return self.number(start);
        }
        if character == '_' || character.is_ascii_alphabetic() {
            return self.word(start);
        }
        if character == '"' || character == '\'' {
            let value = self.string(start, false)?;
            return Ok(self.token(TokenKind::String(value), start));
        }
        let two = self.rest().get(..2).unwrap_or("");
        let two_kind = match two {
            "==" => Some(TokenKind::EqualEqual),
            "!=" => Some(TokenKind::BangEqual),
            "<=" => Some(TokenKind::LessEqual),
            ">=" => Some(TokenKind::GreaterEqual),
            "&&" => Some(TokenKind::AndAnd),
            "||" => Some(TokenKind::OrOr),
            _ => None,
        };
        if let Some(kind) = two_kind {
            self.position += 2;
            return Ok(self.token(kind, start));
        }
        let kind = match character {
            '(' => TokenKind::LeftParen,
            ')' => TokenKind::RightParen,
            '[' => TokenKind::LeftBracket,
            ']' => TokenKind::RightBracket,
            '{' => TokenKind::LeftBrace,
            '}' => TokenKind::RightBrace,
            '.' => TokenKind::Dot,
            ',' => TokenKind::Comma,
            '?' => TokenKind::Question,
            ':' => TokenKind::Colon,
            '+' => TokenKind::Plus,
            '-' => TokenKind::Minus,
            '*' => TokenKind::Star,
            '/' => TokenKind::Slash,
            '%' => TokenKind::Percent,
            '!' => TokenKind::Bang,
            '<' => TokenKind::Less,
            '>' => TokenKind::Greater,
            '=' | '&' | '|' => {
                let span = Span::new(start, start + 1);
                let doubled = format!("{character}{character}");
                return Err(Diagnostic::expected_found(
                    span,
                    quote(&doubled),
                    quote(&character.to_string()),
                )
                .with_help(format!("CEL writes this operator {}", quote(&doubled))));
            }
            _ => {
                let span = Span::new(start, start + character.len_utf8());
                return Err(Diagnostic::new(
                    span,
                    format!("unexpected character {}", quote(&character.to_string())),
                ));
            }
        };
        self.position += character.len_utf8();
        Ok(self.token(kind, start))
    }

    fn token(&self, kind: TokenKind, start: usize) -> Token {
        Token { kind, span: Span::new(start, self.position) }
    }

    fn take_while(&mut self, predicate: impl Fn(char) -> bool) {
        while let Some(character) = self.peek() {
            if !predicate(character) {
                break;
            }
            self.position += character.len_utf8();
        }
    }

    fn number(&mut self, start: usize) -> Result<Token, Diagnostic> {
        let rest = self.rest();
        if rest.starts_with("0x") {
            self.position += 2;
            let digits_start = self.position;
            self.take_while(|character| character.is_ascii_hexdigit());
            let digits = &self.source[digits_start..self.position];
            if digits.is_empty() {
                return Err(Diagnostic::new(
                    Span::new(start, self.position),
                    "expected hexadecimal digits after `0x`",
                ));
            }
            self.reject_unsigned_suffix(start)?;
            let value = u64::from_str_radix(digits, 16).ok();
            return Ok(self.token(TokenKind::Int(value), start));
        }
        self.take_while(|character| character.is_ascii_digit());
        let mut float = false;
        if self.peek() == Some('.') && self.peek_second().is_some_and(|next| next.is_ascii_digit())
        {
            self.position += 1;
            self.take_while(|character| character.is_ascii_digit());
            float = true;
        }
        if let Some('e' | 'E') = self.peek() {
            let exponent = &self.rest()[1..];
            let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if digits.starts_with(|character: char| character.is_ascii_digit()) {
                self.position += 1 + (exponent.len() - digits.len());
                self.take_while(|character| character.is_ascii_digit());
                float = true;
            }
        }
        if float {
            return Err(Diagnostic::new(
                Span::new(start, self.position),
                format!("floating-point numbers are {NOT_SUPPORTED}"),
            )
            .with_help("use whole numbers"));
        }
        self.reject_unsigned_suffix(start)?;
        let value = self.source[start..self.position].parse::<u64>().ok();
        Ok(self.token(TokenKind::Int(value), start))
    }

    fn reject_unsigned_suffix(&mut self, start: usize) -> Result<(), Diagnostic> {
        if let Some('u' | 'U') = self.peek() {
            self.position += 1;
            return Err(Diagnostic::new(
                Span::new(start, self.position),
                format!("unsigned integers are {NOT_SUPPORTED}"),
            )
            .with_help("leave out the `u`: integers are 64-bit signed"));
        }
        Ok(())
    }

    fn word(&mut self, start: usize) -> Result<Token, Diagnostic> {
        self.take_while(|character| character == '_' || character.is_ascii_alphanumeric());
        let word = &self.source[start..self.position];
        let before_quote = matches!(self.peek(), Some('"' | '\''));
        if before_quote && (word == "r" || word == "R") {
            let value = self.string(start, true)?;
            return Ok(self.token(TokenKind::String(value), start));
        }
        let bytes_prefix = word.eq_ignore_ascii_case("b")
            || word.eq_ignore_ascii_case("br")
            || word.eq_ignore_ascii_case("rb");
        if before_quote && bytes_prefix {
            let raw = word.contains(['r', 'R']);
            self.string(start, raw)?;
            return Err(Diagnostic::new(
                Span::new(start, self.position),
                format!("bytes literals are {NOT_SUPPORTED}"),
            )
            .with_help("write a string, without the `b`"));
        }
        let kind = match word {
            "true" => TokenKind::True,
            "false" => TokenKind::False,
            "null" => TokenKind::Null,
            "in" => TokenKind::In,
            _ => TokenKind::Identifier(word.to_owned()),
        };
        Ok(self.token(kind, start))
    }

    /// Reads a string literal whose quote is at the current position (after
    /// any prefix, which starts at `start`), and returns its value.
    fn string(&mut self, start: usize, raw: bool) -> Result<String, Diagnostic> {
        let Some(quote_character) = self.peek() else {
            return Err(Diagnostic::new(Span::new(start, self.position), "expected a string"));
        };
        let triple: String = std::iter::repeat_n(quote_character, 3).collect();
        let closing =
            if self.rest().starts_with(&triple) { triple } else { quote_character.to_string() };
        self.position += closing.len();
        let opening = Span::new(start, self.position);
        let single_line = closing.len() == 1;
        let mut value = String::new();
        loop {
            if self.rest().starts_with(&closing) {
                self.position += closing.len();
                return Ok(value);
            }
            let Some(character) = self.peek() else {
                return Err(Diagnostic::new(opening, "this string is never closed")
                    .with_help(format!("end it with {}", quote(&closing))));
            };
            if single_line && (character == '\n' || character == '\r') {
                return Err(Diagnostic::new(opening, "this string is not closed on its line")
                    .with_help(format!(
                        "end it with {} before the line ends, or use triple quotes for text \
                         on several lines",
                        quote(&closing)
                    )));
            }
            if character == '\\' && !raw {
                value.push(self.escape()?);
            } else {
                value.push(character);
                self.position += character.len_utf8();
            }
        }
    }

    /// Reads an escape sequence at the current position, at its backslash.
    fn escape(&mut self) -> Result<char, Diagnostic> {
        let start = self.position;
        self.position += 1;
        let Some(letter) = self.peek() else {
            return Err(Diagnostic::new(Span::new(start, self.position), "a string ends in `\\`"));
        };
        self.position += letter.len_utf8();
        let simple = match letter {
            '\\' => Some('\\'),
            '?' => Some('?'),
            '"' => Some('"'),
            '\'' => Some('\''),
            '`' => Some('`'),
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            _ => None,
        };
        if let Some(character) = simple {
            return Ok(character);
        }
        let (radix, digits) = match letter {
            '0'..='3' => {
                self.position -= 1;
                (8, 3)
            }
            'x' | 'X' => (16, 2),
            'u' => (16, 4),
            'U' => (16, 8),
            _ => {
                let span = Span::new(start, self.position);
                return Err(Diagnostic::new(
                    span,
                    format!("invalid escape sequence {}", quote(&self.source[span.range()])),
                )
                .with_help(ESCAPES_HELP));
            }
        };
        let text: String = self
            .rest()
            .chars()
            .take(digits)
            .take_while(|character| character.is_digit(radix))
            .collect();
        if text.len() < digits {
            let span = Span::new(start, self.position + text.len());
            let what = if radix == 8 { "octal" } else { "hexadecimal" };
            return Err(Diagnostic::new(
                span,
                format!(
                    "invalid escape sequence {}: expected {digits} {what} digits",
                    quote(&self.source[span.range()])
                ),
            )
            .with_help(ESCAPES_HELP));
        }
        self.position += text.len();
        let span = Span::new(start, self.position);
        u32::from_str_radix(&text, radix).ok().and_then(char::from_u32).ok_or_else(|| {
            Diagnostic::new(
                span,
                format!(
                    "invalid escape sequence {}: not a Unicode code point",
                    quote(&self.source[span.range()])
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_escapes_take_three_digits() {
        let tokens = tokenize(r"'\101\0777'");
        assert_eq!(tokens[0].kind, TokenKind::String("A?7".to_owned()));
    }

    #[test]
    fn comments_and_whitespace_are_skipped() {
        let tokens = tokenize("1 // one\n\t+\u{c}2");
        let kinds: Vec<&TokenKind> = tokens.iter().map(|token| &token.kind).collect();
        assert_eq!(
            kinds,
            [&TokenKind::Int(Some(1)), &TokenKind::Plus, &TokenKind::Int(Some(2)), &TokenKind::End]
        );
    }
}
