//! The parser: tokens to a syntax tree, by recursive descent over CEL's
//! grammar for the subset that orders use.
//!
//! ```text
//! expr           = or ("?" or ":" expr)?
//! or             = and ("||" and)*
//! and            = relation ("&&" relation)*
//! relation       = addition (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") addition)*
//! addition       = multiplication (("+" | "-") multiplication)*
//! multiplication = unary (("*" | "/" | "%") unary)*
//! unary          = member | "!"+ member | "-"+ member
//! member         = primary ("." NAME ("(" arguments? ")")? | "[" expr "]")*
//! primary        = "-"? INT | STRING | "true" | "false" | "null" | NAME
//!                | NAME "(" arguments? ")" | "(" expr ")" | "[" (expr ("," expr)* ","?)? "]"
//! arguments      = expr ("," expr)*
//! ```
//!
//! A minus sign right before an integer literal belongs to the literal, as in
//! CEL, so that `-9223372036854775808` is a literal.

use crate::diagnostic::{Diagnostic, Span, quote};
use crate::lexer::{RESERVED_WORDS, Token, TokenKind, tokenize};
use crate::syntax::{BinaryOperator, Expr, ExprKind, Literal, MacroKind, Name, UnaryOperator};

/// How deeply parentheses, lists, calls and branches may nest.
pub const MAX_NESTING: usize = 100;

/// How many operators, selections, calls and indexes an expression may hold.
pub const MAX_OPERATORS: usize = 1000;

const NOT_SUPPORTED: &str = "not supported in order conditions";

/// Parses the text of a condition.
pub fn parse(source: &str) -> Result<Expr, Diagnostic> {
    let mut parser =
        Parser { source, tokens: tokenize(source), position: 0, depth: 0, operators: 0 };
    let expr = parser.expression()?;
    let token = parser.peek();
    if token.kind != TokenKind::End {
        return Err(parser.unexpected("an operator or the end of the expression"));
    }
    Ok(expr)
}

struct Parser<'source> {
    source: &'source str,
    tokens: Vec<Token>,
    position: usize,
    depth: usize,
    operators: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    fn peek_at(&self, offset: usize) -> &Token {
        let index = (self.position + offset).min(self.tokens.len().saturating_sub(1));
        &self.tokens[index]
    }

    fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if self.position + 1 < self.tokens.len() {
            self.position += 1;
        }
        token
    }

    fn at(&self, kind: &TokenKind) -> bool {
        &self.peek().kind == kind
    }

    /// The diagnostic for the current token where `expected` was expected; a
    /// lexical error at that place is reported as it is.
    fn unexpected(&self, expected: &str) -> Diagnostic {
        let token = self.peek();
        if let TokenKind::Error(diagnostic) = &token.kind {
            return (**diagnostic).clone();
        }
        if token.kind == TokenKind::LeftBrace {
            return Diagnostic::new(token.span, format!("maps are {NOT_SUPPORTED}"))
                .with_types(expected, "`{`")
                .with_help("use a list, such as `[\"a\", \"b\"]`");
        }
        Diagnostic::expected_found(token.span, expected, self.describe(token))
    }

    fn describe(&self, token: &Token) -> String {
        match token.kind {
            TokenKind::End => "the end of the expression".to_owned(),
            _ => quote(&self.source[token.span.range()]),
        }
    }

    fn expect(&mut self, kind: &TokenKind, expected: &str) -> Result<Token, Diagnostic> {
        if self.at(kind) { Ok(self.advance()) } else { Err(self.unexpected(expected)) }
    }

    fn count_operator(&mut self, span: Span) -> Result<(), Diagnostic> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            return Err(Diagnostic::new(
                span,
                format!("the expression is too long: it has more than {MAX_OPERATORS} operators"),
            ));
        }
        Ok(())
    }

    fn expression(&mut self) -> Result<Expr, Diagnostic> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(Diagnostic::new(
                self.peek().span,
                format!("the expression nests too deeply: more than {MAX_NESTING} levels"),
            ));
        }
        let expr = self.conditional();
        self.depth -= 1;
        expr
    }

    fn conditional(&mut self) -> Result<Expr, Diagnostic> {
        let condition = self.or()?;
        if !self.at(&TokenKind::Question) {
            return Ok(condition);
        }
        let question = self.advance();
        self.count_operator(question.span)?;
        let then_branch = self.or()?;
        self.expect(&TokenKind::Colon, "`:`")?;
        let else_branch = self.expression()?;
        let span = condition.span.to(else_branch.span);
        Ok(Expr {
            kind: ExprKind::Conditional {
                condition: Box::new(condition),
                then_branch: Box::new(then_branch),
                else_branch: Box::new(else_branch),
            },
            span,
        })
    }

    /// Parses a left-associative chain of binary operators over operands
    /// that `operand` parses.
    fn binary_chain(
        &mut self,
        operand: fn(&mut Self) -> Result<Expr, Diagnostic>,
        operator_of: fn(&TokenKind) -> Option<BinaryOperator>,
    ) -> Result<Expr, Diagnostic> {
        let mut left = operand(self)?;
        while let Some(operator) = operator_of(&self.peek().kind) {
            let token = self.advance();
            self.count_operator(token.span)?;
            let right = operand(self)?;
            let span = left.span.to(right.span);
            left = Expr {
                kind: ExprKind::Binary { operator, left: Box::new(left), right: Box::new(right) },
                span,
            };
        }
        Ok(left)
    }

    fn or(&mut self) -> Result<Expr, Diagnostic> {
        self.binary_chain(Self::and, |kind| match kind {
            TokenKind::OrOr => Some(BinaryOperator::Or),
            _ => None,
        })
    }

    fn and(&mut self) -> Result<Expr, Diagnostic> {
        self.binary_chain(Self::relation, |kind| match kind {
            TokenKind::AndAnd => Some(BinaryOperator::And),
            _ => None,
        })
    }

    fn relation(&mut self) -> Result<Expr, Diagnostic> {
        self.binary_chain(Self::addition, |kind| match kind {
            TokenKind::EqualEqual => Some(BinaryOperator::Equal),
            TokenKind::BangEqual => Some(BinaryOperator::NotEqual),
            TokenKind::Less => Some(BinaryOperator::Less),
            TokenKind::LessEqual => Some(BinaryOperator::LessOrEqual),
            TokenKind::Greater => Some(BinaryOperator::Greater),
            TokenKind::GreaterEqual => Some(BinaryOperator::GreaterOrEqual),
            TokenKind::In => Some(BinaryOperator::In),
            _ => None,
        })
    }

    fn addition(&mut self) -> Result<Expr, Diagnostic> {
        self.binary_chain(Self::multiplication, |kind| match kind {
            TokenKind::Plus => Some(BinaryOperator::Add),
            TokenKind::Minus => Some(BinaryOperator::Subtract),
            _ => None,
        })
    }

    fn multiplication(&mut self) -> Result<Expr, Diagnostic> {
        self.binary_chain(Self::unary, |kind| match kind {
            TokenKind::Star => Some(BinaryOperator::Multiply),
            TokenKind::Slash => Some(BinaryOperator::Divide),
            TokenKind::Percent => Some(BinaryOperator::Remainder),
            _ => None,
        })
    }

    /// A run of `!` or of `-` before a member expression. The last minus of a
    /// run that stands right before an integer literal is the literal's sign.
    fn unary(&mut self) -> Result<Expr, Diagnostic> {
        let operator = match self.peek().kind {
            TokenKind::Bang => UnaryOperator::Not,
            TokenKind::Minus => UnaryOperator::Negate,
            _ => return self.member(),
        };
        let operator_kind = self.peek().kind.clone();
        let mut starts = Vec::new();
        while self.peek().kind == operator_kind {
            if operator == UnaryOperator::Negate
                && matches!(self.peek_at(1).kind, TokenKind::Int(_))
            {
                break;
            }
            let token = self.advance();
            self.count_operator(token.span)?;
            starts.push(token.span.start);
        }
        let mut expr = self.member()?;
        for start in starts.into_iter().rev() {
            let span = Span::new(start, expr.span.end);
            expr = Expr { kind: ExprKind::Unary { operator, operand: Box::new(expr) }, span };
        }
        Ok(expr)
    }

    fn member(&mut self) -> Result<Expr, Diagnostic> {
        let mut expr = self.primary()?;
        loop {
            match self.peek().kind {
                TokenKind::Dot => {
                    let dot = self.advance();
                    self.count_operator(dot.span)?;
                    if self.at(&TokenKind::Question) {
                        let span = dot.span.to(self.peek().span);
                        return Err(Diagnostic::new(
                            span,
                            format!("optional field selection `.?` is {NOT_SUPPORTED}"),
                        ));
                    }
                    let name = match &self.peek().kind {
                        TokenKind::Identifier(name) => name.clone(),
                        _ => return Err(self.unexpected("a field or method name after `.`")),
                    };
                    let name = Name { name, span: self.advance().span };
                    expr = if self.at(&TokenKind::LeftParen) {
                        self.method_call(expr, name)?
                    } else {
                        let span = expr.span.to(name.span);
                        Expr {
                            kind: ExprKind::Member { target: Box::new(expr), field: name },
                            span,
                        }
                    };
                }
                TokenKind::LeftBracket => {
                    let bracket = self.advance();
                    self.count_operator(bracket.span)?;
                    if self.at(&TokenKind::Question) {
                        let span = bracket.span.to(self.peek().span);
                        return Err(Diagnostic::new(
                            span,
                            format!("optional indexing `[?` is {NOT_SUPPORTED}"),
                        ));
                    }
                    let index = self.expression()?;
                    let close = self.expect(&TokenKind::RightBracket, "`]`")?;
                    let span = expr.span.to(close.span);
                    expr = Expr {
                        kind: ExprKind::Index { target: Box::new(expr), index: Box::new(index) },
                        span,
                    };
                }
                TokenKind::LeftBrace => {
                    return Err(Diagnostic::new(
                        self.peek().span,
                        format!("message construction is {NOT_SUPPORTED}"),
                    ));
                }
                _ => return Ok(expr),
            }
        }
    }

    /// The arguments of a call, after its name, from `(` to `)`; returns them
    /// with the span of the closing parenthesis.
    fn arguments(&mut self) -> Result<(Vec<Expr>, Span), Diagnostic> {
        self.expect(&TokenKind::LeftParen, "`(`")?;
        let mut arguments = Vec::new();
        if !self.at(&TokenKind::RightParen) {
            arguments.push(self.expression()?);
            while self.at(&TokenKind::Comma) {
                self.advance();
                arguments.push(self.expression()?);
            }
        }
        let close = self.expect(&TokenKind::RightParen, "`,` or `)`")?;
        Ok((arguments, close.span))
    }

    fn method_call(&mut self, target: Expr, function: Name) -> Result<Expr, Diagnostic> {
        let (arguments, close) = self.arguments()?;
        let span = target.span.to(close);
        let Some(kind) = MacroKind::from_name(&function.name) else {
            return Ok(Expr {
                kind: ExprKind::Call { target: Some(Box::new(target)), function, arguments },
                span,
            });
        };
        let count = arguments.len();
        let mut arguments = arguments.into_iter();
        let parts = (arguments.next(), arguments.next(), arguments.next(), arguments.next());
        let (first, filter, body) = match parts {
            (Some(first), Some(body), None, None) => (first, None, body),
            (Some(first), Some(filter), Some(body), None) if kind == MacroKind::Map => {
                (first, Some(Box::new(filter)), body)
            }
            _ => {
                let takes = if kind == MacroKind::Map {
                    "2 or 3 arguments: a variable name, an optional condition and an expression"
                } else {
                    "2 arguments: a variable name and a condition"
                };
                return Err(Diagnostic::new(
                    function.span.to(close),
                    format!("`{}` takes {takes}, found {count}", kind.name()),
                ));
            }
        };
        let ExprKind::Identifier(variable) = first.kind else {
            return Err(Diagnostic::expected_found(
                first.span,
                format!("a variable name as the first argument of `{}`", kind.name()),
                quote(&self.source[first.span.range()]),
            )
            .with_help(format!("write, for example, `list.{}(x, ...)`", kind.name())));
        };
        let variable = Name { name: variable, span: first.span };
        let body = Box::new(body);
        Ok(Expr {
            kind: ExprKind::Macro { kind, target: Box::new(target), variable, filter, body },
            span,
        })
    }

    fn primary(&mut self) -> Result<Expr, Diagnostic> {
        let token = self.peek().clone();
        let literal = match &token.kind {
            TokenKind::Int(magnitude) => {
                self.advance();
                return self.integer(*magnitude, token.span, false);
            }
            TokenKind::Minus if matches!(self.peek_at(1).kind, TokenKind::Int(_)) => {
                let minus = self.advance();
                let number = self.advance();
                let magnitude = match number.kind {
                    TokenKind::Int(magnitude) => magnitude,
                    _ => None,
                };
                return self.integer(magnitude, minus.span.to(number.span), true);
            }
            TokenKind::String(value) => Literal::String(value.clone()),
            TokenKind::True => Literal::Bool(true),
            TokenKind::False => Literal::Bool(false),
            TokenKind::Null => Literal::Null,
            TokenKind::Identifier(name) => return self.identifier(name.clone(), token.span),
            TokenKind::LeftParen => {
                self.advance();
                let mut inner = self.expression()?;
                let close = self.expect(&TokenKind::RightParen, "`)`")?;
                inner.span = token.span.to(close.span);
                return Ok(inner);
            }
            TokenKind::LeftBracket => return self.list(),
            _ => return Err(self.unexpected("an expression")),
        };
        self.advance();
        Ok(Expr { kind: ExprKind::Literal(literal), span: token.span })
    }

    fn integer(
        &mut self,
        magnitude: Option<u64>,
        span: Span,
        negative: bool,
    ) -> Result<Expr, Diagnostic> {
        let value = magnitude.and_then(|magnitude| {
            if negative {
                0i64.checked_sub_unsigned(magnitude)
            } else {
                i64::try_from(magnitude).ok()
            }
        });
        let Some(value) = value else {
            return Err(Diagnostic::new(
                span,
                format!(
                    "the integer {} is out of range: integers are 64-bit, from {} to {}",
                    quote(&self.source[span.range()]),
                    i64::MIN,
                    i64::MAX
                ),
            ));
        };
        Ok(Expr { kind: ExprKind::Literal(Literal::Int(value)), span })
    }

    fn identifier(&mut self, name: String, span: Span) -> Result<Expr, Diagnostic> {
        if RESERVED_WORDS.contains(&name.as_str()) {
            return Err(Diagnostic::new(
                span,
                format!("`{name}` is a reserved word and cannot name a variable or function"),
            ));
        }
        self.advance();
        if !self.at(&TokenKind::LeftParen) {
            return Ok(Expr { kind: ExprKind::Identifier(name), span });
        }
        self.count_operator(span)?;
        let (arguments, close) = self.arguments()?;
        let function = Name { name, span };
        Ok(Expr {
            kind: ExprKind::Call { target: None, function, arguments },
            span: span.to(close),
        })
    }

    fn list(&mut self) -> Result<Expr, Diagnostic> {
        let open = self.advance();
        self.count_operator(open.span)?;
        let mut elements = Vec::new();
        while !self.at(&TokenKind::RightBracket) {
            elements.push(self.expression()?);
            if self.at(&TokenKind::Comma) {
                self.advance();
            } else if !self.at(&TokenKind::RightBracket) {
                return Err(self.unexpected("`,` or `]`"));
            }
        }
        let close = self.advance();
        Ok(Expr { kind: ExprKind::List(elements), span: open.span.to(close.span) })
    }
}

#[cfg(test)]
mod tests;
