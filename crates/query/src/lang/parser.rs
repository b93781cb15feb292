//! Recursive-descent parser from tokens to the AST, checking as it goes that every
//! field, dimension and measure exists for the subject, so errors carry the position of
//! the word at fault.
//!
//! Grammar (keywords are case-insensitive; `[..]` optional, `*` repeated):
//! ```text
//! query    = ["count"] subject clause* | "list" "patients" lclause*
//! lclause  = "where" expr | "as" "of" DATE | "columns" column ("," column)*
//!          | "order" "by" column ["asc" | "desc"] ("," column ["asc" | "desc"])* | "limit" INT
//! column   = "mrn" | "name" | "birth_date" | "age" | "sex" | "zip" | "zip3" | "last_visit"
//!          | "provider" | "payer" | "balance"
//! subject  = "patients" | "immunizations" | "diagnoses" | "procedures" | "observations"
//!          | "encounters" | "notes" | "balances"
//! clause   = "where" expr | "as" "of" DATE
//!          | "group" "by" dim ("," dim)* | "measure" measure ("," measure)*
//! expr     = and ("or" and)*
//! and      = unary ("and" unary)*
//! unary    = "not" unary | "(" expr ")" | "deceased" | kind "(" expr ("," expr)* ")"
//!          | "has_note" "(" expr ("," expr)* ")" | cond      (has_note: on encounter rows only)
//! kind     = "immunization" | "diagnosis" | "procedure" | "observation" | "encounter"
//!          | "note" | "balance"
//! cond     = field op value | field "in" (item | "(" item ("," item)* ")")
//! op       = "=" | "!=" | "<" | "<=" | ">" | ">="
//! item     = value ["-" value] | value "+" | WORD"*" | SETNAME
//! dim      = "age_band" "(" band ("," band)* ")" | "aging_bucket" "(" band ("," band)* ")"
//!          | ("day" | "week" | "mmwr_week" | "iso_week" | "month" | "year") "(" "date" ")"
//!          | "sex" | "zip3" | "zip" | "code" | "status" | "class" | "provider" | "facility" | "payer"
//!          | "financial_class" | "service" | "type" | "author"
//! band     = INT "-" INT | INT "+"
//! measure  = ("patients" ["where" unary] | "count" | ("sum" | "avg") "(" field ")") ["as" WORD]
//! ```

use time::Date;

use super::ast::{
    Band, CmpOp, Cond, Dimension, Expr, Field, Item, ListColumn, ListSpec, Measure, MeasureSpec,
    OrderKey, Period, Query, Subject, Test, Value,
};
use super::lexer::{Tok, Token, tokenize};
use super::sets;
use super::vocabulary::{
    ValueType, field_named, field_of, field_word, has_kind, has_word, kind_noun, normalize_code,
    patient_field, subject_word, value_type,
};
use crate::error::{Error, Result};
use crate::events::EventKind;
use crate::facts::{EncounterClass, FinancialClass, ImmunizationStatus, NoteStatus, Sex};

const DIMENSION_EXPECTED: &str = "a grouping such as age_band(...), sex, zip3, day(date), mmwr_week(date), iso_week(date), code, provider, payer or aging_bucket(...)";

/// At most this many grouping dimensions (the group key is a fixed-size array).
pub const MAX_DIMENSIONS: usize = 4;

/// Which fields a filter may name.
#[derive(Debug, Clone, Copy)]
enum Scope {
    /// Patient fields and `kind(...)` tests.
    Patient,
    /// Patient fields, `kind(...)` tests and the fields of the subject's kind.
    Row(EventKind),
    /// Inside `kind(...)`: that kind's fields only.
    Inside(EventKind),
}

/// Parses query text.
pub fn parse(text: &str) -> Result<Query> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    parser.query()
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Current nesting of `not` and parentheses, bounded so a hostile query cannot
    /// overflow the stack of this recursive parser.
    depth: u32,
}

/// Deepest nesting of `not` and parentheses accepted.
const MAX_DEPTH: u32 = 64;

const END: Token = Token {
    tok: Tok::End,
    line: 0,
    column: 0,
};

impl Parser {
    fn peek(&self) -> &Token {
        self.tokens
            .get(self.pos)
            .or_else(|| self.tokens.last())
            .unwrap_or(&END)
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(word) if word.eq_ignore_ascii_case(keyword))
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let hit = self.peek_keyword(keyword);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        let hit = &self.peek().tok == tok;
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expected<T>(&self, expected: &str) -> Result<T> {
        let token = self.peek();
        Err(Error::Syntax {
            line: token.line,
            column: token.column,
            expected: expected.to_owned(),
            found: token.tok.describe(),
        })
    }

    fn invalid<T>(token: &Token, message: String) -> Result<T> {
        Err(Error::Invalid {
            line: token.line,
            column: token.column,
            message,
        })
    }

    fn expect(&mut self, tok: &Tok, expected: &str) -> Result<()> {
        if self.eat(tok) {
            Ok(())
        } else {
            self.expected(expected)
        }
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<()> {
        if self.eat_keyword(keyword) {
            Ok(())
        } else {
            self.expected(&format!("`{keyword}`"))
        }
    }

    fn word(&mut self, expected: &str) -> Result<(String, Token)> {
        let token = self.peek().clone();
        match &token.tok {
            Tok::Word(word) => {
                self.pos += 1;
                Ok((word.to_ascii_lowercase(), token))
            }
            _ => self.expected(expected),
        }
    }

    fn query(&mut self) -> Result<Query> {
        if self.eat_keyword("list") {
            return self.list();
        }
        self.eat_keyword("count");
        let (word, token) = self.word("a subject: patients, immunizations, diagnoses, procedures, observations, encounters, notes or balances")?;
        let subject = match word.as_str() {
            "patients" => Subject::Patients,
            "immunizations" => Subject::Events(EventKind::Immunization),
            "diagnoses" => Subject::Events(EventKind::Diagnosis),
            "procedures" => Subject::Events(EventKind::Procedure),
            "observations" => Subject::Events(EventKind::Observation),
            "encounters" => Subject::Events(EventKind::Encounter),
            "notes" => Subject::Events(EventKind::Note),
            "balances" => Subject::Balances,
            _ => {
                self.pos -= 1;
                return self.expected("a subject: patients, immunizations, diagnoses, procedures, observations, encounters, notes or balances");
            }
        };
        let _ = token;
        let mut query = Query {
            subject,
            filter: None,
            as_of: None,
            group_by: Vec::new(),
            measures: Vec::new(),
            list: None,
        };
        let (mut seen_where, mut seen_as_of, mut seen_group, mut seen_measure) =
            (false, false, false, false);
        loop {
            let token = self.peek().clone();
            let duplicate = |seen: &mut bool, what: &str| -> Result<()> {
                if *seen {
                    return Parser::invalid(&token, format!("the {what} clause is given twice"));
                }
                *seen = true;
                Ok(())
            };
            if self.eat_keyword("where") {
                duplicate(&mut seen_where, "where")?;
                let scope = match subject {
                    Subject::Patients => Scope::Patient,
                    Subject::Events(kind) => Scope::Row(kind),
                    Subject::Balances => Scope::Row(EventKind::ArItem),
                };
                query.filter = Some(self.expr(scope)?);
            } else if self.eat_keyword("as") {
                duplicate(&mut seen_as_of, "as of")?;
                self.expect_keyword("of")?;
                query.as_of = Some(self.date()?);
            } else if self.eat_keyword("group") {
                duplicate(&mut seen_group, "group by")?;
                self.expect_keyword("by")?;
                loop {
                    let token = self.peek().clone();
                    query.group_by.push(self.dimension(subject)?);
                    if query.group_by.len() > MAX_DIMENSIONS {
                        return Parser::invalid(
                            &token,
                            format!("at most {MAX_DIMENSIONS} grouping dimensions are supported"),
                        );
                    }
                    if !self.eat(&Tok::Comma) {
                        break;
                    }
                }
            } else if self.eat_keyword("measure") {
                duplicate(&mut seen_measure, "measure")?;
                loop {
                    query.measures.push(self.measure(subject)?);
                    if !self.eat(&Tok::Comma) {
                        break;
                    }
                }
            } else if self.peek().tok == Tok::End {
                return Ok(query);
            } else if ["columns", "order", "limit"]
                .iter()
                .any(|word| self.peek_keyword(word))
            {
                return Parser::invalid(
                    &token,
                    "columns, order by and limit belong to a list: write `list patients where ...`"
                        .into(),
                );
            } else {
                return self
                    .expected("`where`, `as of`, `group by`, `measure` or the end of the query");
            }
        }
    }

    /// `list patients ...`, after `list`.
    fn list(&mut self) -> Result<Query> {
        let (word, token) = self.word("`patients` (only patients can be listed)")?;
        if word != "patients" {
            return Parser::invalid(
                &token,
                format!("only patients can be listed, not `{word}`; count them instead"),
            );
        }
        let mut query = Query {
            subject: Subject::Patients,
            filter: None,
            as_of: None,
            group_by: Vec::new(),
            measures: Vec::new(),
            list: None,
        };
        let mut spec = ListSpec {
            columns: Vec::new(),
            order_by: Vec::new(),
            limit: None,
        };
        // Where `age` was named, so a list without `as of` is refused at the word.
        let mut age_at: Option<Token> = None;
        let mut seen = [false; 5];
        loop {
            let token = self.peek().clone();
            let mut once = |idx: usize, what: &str| -> Result<()> {
                if std::mem::replace(&mut seen[idx], true) {
                    return Parser::invalid(&token, format!("the {what} clause is given twice"));
                }
                Ok(())
            };
            if self.eat_keyword("where") {
                once(0, "where")?;
                query.filter = Some(self.expr(Scope::Patient)?);
            } else if self.eat_keyword("as") {
                once(1, "as of")?;
                self.expect_keyword("of")?;
                query.as_of = Some(self.date()?);
            } else if self.eat_keyword("columns") {
                once(2, "columns")?;
                loop {
                    let (column, at) = self.list_column()?;
                    if spec.columns.contains(&column) {
                        return Parser::invalid(
                            &at,
                            format!("the column `{}` is named twice", column.word()),
                        );
                    }
                    if column == ListColumn::Age {
                        age_at.get_or_insert(at);
                    }
                    spec.columns.push(column);
                    if !self.eat(&Tok::Comma) {
                        break;
                    }
                }
            } else if self.eat_keyword("order") {
                once(3, "order by")?;
                self.expect_keyword("by")?;
                loop {
                    let (column, at) = self.list_column()?;
                    if !column.sortable() {
                        return Parser::invalid(
                            &at,
                            format!(
                                "a list cannot be ordered by `{}` (it is read from the chart after the list is chosen); order by birth_date, age, sex, zip, zip3, last_visit or balance",
                                column.word()
                            ),
                        );
                    }
                    if column == ListColumn::Age {
                        age_at.get_or_insert(at);
                    }
                    let descending = if self.eat_keyword("desc") {
                        true
                    } else {
                        self.eat_keyword("asc");
                        false
                    };
                    spec.order_by.push(OrderKey { column, descending });
                    if !self.eat(&Tok::Comma) {
                        break;
                    }
                }
            } else if self.eat_keyword("limit") {
                once(4, "limit")?;
                let at = self.peek().clone();
                let n = match &at.tok {
                    Tok::Word(word) => word.parse::<u64>().ok().filter(|&n| n > 0),
                    _ => None,
                };
                let Some(n) = n else {
                    return self.expected("a whole number of patients (1 or more) after `limit`");
                };
                self.pos += 1;
                spec.limit = Some(n);
            } else if self.peek().tok == Tok::End {
                break;
            } else if self.peek_keyword("group") || self.peek_keyword("measure") {
                return Parser::invalid(
                    &token,
                    "a list shows patients, not counts: write `count patients ... group by` to count them".into(),
                );
            } else {
                return self.expected(
                    "`where`, `as of`, `columns`, `order by`, `limit` or the end of the query",
                );
            }
        }
        if spec.columns.is_empty() {
            spec.columns = ListColumn::DEFAULT.to_vec();
        }
        if let Some(at) = age_at
            && query.as_of.is_none()
        {
            return Parser::invalid(
                &at,
                "`age` needs a date to be measured on: add `as of YYYY-MM-DD`".into(),
            );
        }
        query.list = Some(spec);
        Ok(query)
    }

    fn list_column(&mut self) -> Result<(ListColumn, Token)> {
        const EXPECTED: &str = "a column: mrn, name, birth_date, age, sex, zip, zip3, last_visit, provider, payer or balance";
        let (word, token) = self.word(EXPECTED)?;
        match ListColumn::ALL.into_iter().find(|c| c.word() == word) {
            Some(column) => Ok((column, token)),
            None => {
                self.pos -= 1;
                self.expected(EXPECTED)
            }
        }
    }

    fn date(&mut self) -> Result<Date> {
        match self.peek().tok {
            Tok::Date(date) => {
                self.pos += 1;
                Ok(date)
            }
            _ => self.expected("a date (YYYY-MM-DD)"),
        }
    }

    fn expr(&mut self, scope: Scope) -> Result<Expr> {
        let mut any = vec![self.and(scope)?];
        while self.eat_keyword("or") {
            any.push(self.and(scope)?);
        }
        Ok(if any.len() == 1 {
            any.remove(0)
        } else {
            Expr::Or(any)
        })
    }

    fn and(&mut self, scope: Scope) -> Result<Expr> {
        let mut all = vec![self.unary(scope)?];
        while self.eat_keyword("and") {
            all.push(self.unary(scope)?);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Expr::And(all)
        })
    }

    fn unary(&mut self, scope: Scope) -> Result<Expr> {
        if self.depth >= MAX_DEPTH {
            let token = self.peek().clone();
            return Parser::invalid(
                &token,
                format!("conditions nest deeper than {MAX_DEPTH} levels"),
            );
        }
        self.depth += 1;
        let expr = self.unary_inner(scope);
        self.depth -= 1;
        expr
    }

    fn unary_inner(&mut self, scope: Scope) -> Result<Expr> {
        if self.eat_keyword("not") {
            return Ok(Expr::Not(Box::new(self.unary(scope)?)));
        }
        if self.eat(&Tok::LParen) {
            let inner = self.expr(scope)?;
            self.expect(&Tok::RParen, "`)`, `and` or `or`")?;
            return Ok(inner);
        }
        let (word, token) =
            self.word("a condition such as `age >= 65`, `sex = F` or `immunization(cvx in flu)`")?;
        if word == "deceased" {
            if matches!(scope, Scope::Inside(_)) {
                return Parser::invalid(
                    &token,
                    "`deceased` is a patient test; write it outside the parentheses".into(),
                );
            }
            return Ok(Expr::Deceased);
        }
        if word == "has_note" && self.peek().tok == Tok::LParen {
            // An encounter's own notes: only where the row is an encounter.
            if !matches!(
                scope,
                Scope::Row(EventKind::Encounter) | Scope::Inside(EventKind::Encounter)
            ) {
                return Parser::invalid(
                    &token,
                    "`has_note(...)` tests an encounter's notes; write it inside `encounter(...)` or after `count encounters where`, or use `note(...)` for any note of the patient".into(),
                );
            }
            self.pos += 1;
            let mut all = vec![self.expr(Scope::Inside(EventKind::Note))?];
            while self.eat(&Tok::Comma) {
                all.push(self.expr(Scope::Inside(EventKind::Note))?);
            }
            self.expect(&Tok::RParen, "`,` or `)`")?;
            return Ok(Expr::HasNote(all));
        }
        if let Some(kind) = has_kind(&word)
            && self.peek().tok == Tok::LParen
        {
            if let Scope::Inside(outer) = scope {
                return Parser::invalid(
                    &token,
                    format!(
                        "`{word}(...)` cannot be nested inside `{}(...)`",
                        has_word(outer)
                    ),
                );
            }
            self.pos += 1;
            let mut all = vec![self.expr(Scope::Inside(kind))?];
            while self.eat(&Tok::Comma) {
                all.push(self.expr(Scope::Inside(kind))?);
            }
            self.expect(&Tok::RParen, "`,` or `)`")?;
            return Ok(Expr::Has(kind, all));
        }
        let Some(field) = field_named(&word) else {
            self.pos -= 1;
            return self.expected("a field (age, sex, zip, zip3, ...), `not`, `(` or an event test such as `diagnosis(...)`");
        };
        let kind = match (scope, patient_field(field)) {
            (Scope::Inside(kind), false) | (Scope::Row(kind), false) if field_of(field, kind) => {
                Some(kind)
            }
            (Scope::Patient | Scope::Row(_), true) => None,
            (Scope::Inside(kind), true) => {
                return Parser::invalid(
                    &token,
                    format!(
                        "`{word}` is a patient field; write it outside `{}(...)`",
                        has_word(kind)
                    ),
                );
            }
            (Scope::Patient, false) => {
                return Parser::invalid(
                    &token,
                    format!(
                        "`{word}` is an event field; test it inside an event test such as `immunization({word} ...)`"
                    ),
                );
            }
            (Scope::Row(kind) | Scope::Inside(kind), false) => {
                return Parser::invalid(
                    &token,
                    format!("{} has no field `{word}`", kind_noun(kind)),
                );
            }
        };
        let test = self.test(field, kind)?;
        Ok(Expr::Cond(Cond { field, test }))
    }

    fn test(&mut self, field: Field, kind: Option<EventKind>) -> Result<Test> {
        let op = match self.peek().tok {
            Tok::Eq => Some(CmpOp::Eq),
            Tok::Ne => Some(CmpOp::Ne),
            Tok::Lt => Some(CmpOp::Lt),
            Tok::Le => Some(CmpOp::Le),
            Tok::Gt => Some(CmpOp::Gt),
            Tok::Ge => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.pos += 1;
            let token = self.peek().clone();
            let item = self.item(field, kind)?;
            return match item {
                Item::One(value) => {
                    if matches!(value, Value::Word(_))
                        && !matches!(op, CmpOp::Eq | CmpOp::Ne)
                        && !matches!(field, Field::Zip | Field::Zip3 | Field::Code)
                    {
                        return Parser::invalid(
                            &token,
                            format!("`{}` can only be compared with = or !=", field_word(field)),
                        );
                    }
                    Ok(Test::Compare(op, value))
                }
                other if op == CmpOp::Eq => Ok(Test::In(vec![other])),
                _ => Parser::invalid(&token, "a range, prefix or set needs `=` or `in`".into()),
            };
        }
        if !self.eat_keyword("in") {
            return self.expected("a comparison (=, !=, <, <=, >, >=) or `in`");
        }
        let mut items = Vec::new();
        if self.eat(&Tok::LParen) {
            loop {
                items.push(self.item(field, kind)?);
                if !self.eat(&Tok::Comma) {
                    break;
                }
            }
            self.expect(&Tok::RParen, "`,` or `)`")?;
        } else {
            items.push(self.item(field, kind)?);
        }
        Ok(Test::In(items))
    }

    fn item(&mut self, field: Field, kind: Option<EventKind>) -> Result<Item> {
        let token = self.peek().clone();
        match value_type(field) {
            ValueType::Date => Ok(Item::One(Value::Date(self.date()?))),
            ValueType::Int | ValueType::Number => {
                if field == Field::Cvx
                    && let Tok::Word(word) = &token.tok
                    && word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                {
                    self.pos += 1;
                    if sets::cvx_set(word).is_none() {
                        return Parser::invalid(
                            &token,
                            format!("unknown code set `{word}` (known: flu)"),
                        );
                    }
                    return Ok(Item::Set(word.clone()));
                }
                let lo = self.number(field)?;
                if self.eat(&Tok::Plus) {
                    return Ok(Item::AtLeast(lo));
                }
                if self.eat(&Tok::Minus) {
                    let hi = self.number(field)?;
                    return Ok(Item::Range(lo, hi));
                }
                Ok(Item::One(lo))
            }
            ValueType::Word => {
                let text = match &token.tok {
                    Tok::Word(word) => word.clone(),
                    Tok::Str(text) => text.clone(),
                    _ => return self.expected(&format!("a value for `{}`", field_word(field))),
                };
                self.pos += 1;
                let quoted = matches!(token.tok, Tok::Str(_));
                let is_code = matches!(field, Field::Code | Field::Zip | Field::Zip3);
                if !is_code {
                    let ok = match field {
                        Field::Sex => Sex::from_text(&text).is_some(),
                        Field::Status if kind == Some(EventKind::Note) => {
                            NoteStatus::from_text(&text).is_some()
                        }
                        Field::Status => ImmunizationStatus::from_code(&text).is_some(),
                        Field::Class => EncounterClass::from_text(&text).is_some(),
                        Field::FinancialClass => FinancialClass::from_text(&text).is_some(),
                        _ => true,
                    };
                    if !ok {
                        return Parser::invalid(
                            &token,
                            format!("`{text}` is not a valid {}", field_word(field)),
                        );
                    }
                    let canonical = match field {
                        Field::Sex => {
                            Sex::from_text(&text).map_or(text, |sex| sex.letter().to_owned())
                        }
                        Field::Class => EncounterClass::from_text(&text)
                            .map_or(text, |class| class.word().to_owned()),
                        Field::FinancialClass => FinancialClass::from_text(&text)
                            .map_or(text, |class| class.word().to_owned()),
                        Field::Service => normalize_code(&text, Some(EventKind::Encounter)),
                        Field::NoteType => normalize_code(&text, Some(EventKind::Note)),
                        Field::Status if kind == Some(EventKind::Note) => {
                            NoteStatus::from_text(&text)
                                .map_or(text, |status| status.word().to_owned())
                        }
                        _ => text,
                    };
                    return Ok(Item::One(Value::Word(canonical)));
                }
                if !quoted {
                    if let Some(prefix) = text.strip_suffix('*') {
                        return Ok(Item::Prefix(normalize_code(prefix, kind)));
                    }
                    if let Some((lo, hi)) = text.split_once('-') {
                        return Ok(Item::Range(
                            Value::Word(normalize_code(lo, kind)),
                            Value::Word(normalize_code(hi, kind)),
                        ));
                    }
                }
                let lo = Value::Word(normalize_code(&text, kind));
                if self.eat(&Tok::Minus) {
                    let hi = match &self.peek().tok {
                        Tok::Word(word) | Tok::Str(word) => word.clone(),
                        _ => return self.expected("the end of the code range"),
                    };
                    self.pos += 1;
                    return Ok(Item::Range(lo, Value::Word(normalize_code(&hi, kind))));
                }
                Ok(Item::One(lo))
            }
        }
    }

    fn number(&mut self, field: Field) -> Result<Value> {
        let negative = self.eat(&Tok::Minus);
        let token = self.peek().clone();
        let Tok::Word(word) = &token.tok else {
            return self.expected(&format!("a number for `{}`", field_word(field)));
        };
        let sign: i32 = if negative { -1 } else { 1 };
        let value = match value_type(field) {
            ValueType::Number => word
                .parse::<f64>()
                .ok()
                .map(|n| Value::Number(n * f64::from(sign))),
            _ => word
                .parse::<i64>()
                .ok()
                .map(|n| Value::Int(n * i64::from(sign))),
        };
        match value {
            Some(value) => {
                self.pos += 1;
                Ok(value)
            }
            None => self.expected(&format!("a number for `{}`", field_word(field))),
        }
    }

    fn bands(&mut self) -> Result<Vec<Band>> {
        self.expect(
            &Tok::LParen,
            "`(` and a list of bands such as 0-17, 18-64, 65+",
        )?;
        let mut bands = Vec::new();
        loop {
            let lo = self.band_bound()?;
            let band = if self.eat(&Tok::Plus) {
                Band { lo, hi: None }
            } else if self.eat(&Tok::Minus) {
                let token = self.peek().clone();
                let hi = self.band_bound()?;
                if hi < lo {
                    return Parser::invalid(
                        &token,
                        format!("band {lo}-{hi} ends before it starts"),
                    );
                }
                Band { lo, hi: Some(hi) }
            } else {
                return self.expected("`-` or `+` after the band's first number");
            };
            bands.push(band);
            if !self.eat(&Tok::Comma) {
                break;
            }
        }
        self.expect(&Tok::RParen, "`,` or `)`")?;
        Ok(bands)
    }

    fn band_bound(&mut self) -> Result<u32> {
        if let Tok::Word(word) = &self.peek().tok
            && let Ok(n) = word.parse::<u32>()
        {
            self.pos += 1;
            return Ok(n);
        }
        self.expected("a whole number")
    }

    fn dimension(&mut self, subject: Subject) -> Result<Dimension> {
        let (word, token) = self.word(DIMENSION_EXPECTED)?;
        let dimension = match word.as_str() {
            "age_band" => Dimension::AgeBand(self.bands()?),
            "aging_bucket" => Dimension::AgingBucket(self.bands()?),
            "sex" => Dimension::Sex,
            "zip3" => Dimension::Zip3,
            "zip" => Dimension::Zip,
            "code" | "cvx" => Dimension::Code,
            "status" => Dimension::Status,
            "class" => Dimension::Class,
            "provider" => Dimension::Provider,
            "facility" => Dimension::Facility,
            "payer" => Dimension::Payer,
            "financial_class" => Dimension::FinancialClass,
            "service" => Dimension::Service,
            "type" => Dimension::NoteType,
            "author" => Dimension::Author,
            other => {
                let Some(period) = Period::ALL.into_iter().find(|p| p.word() == other) else {
                    self.pos -= 1;
                    return self.expected(DIMENSION_EXPECTED);
                };
                self.expect(&Tok::LParen, "`(date)`")?;
                self.expect_keyword("date")?;
                self.expect(&Tok::RParen, "`)`")?;
                Dimension::Period(period)
            }
        };
        let kind = match subject {
            Subject::Events(kind) => Some(kind),
            _ => None,
        };
        let allowed = match &dimension {
            Dimension::AgeBand(_) | Dimension::Sex | Dimension::Zip3 | Dimension::Zip => true,
            Dimension::Period(_) => kind.is_some(),
            Dimension::Code => matches!(
                kind,
                Some(
                    EventKind::Immunization
                        | EventKind::Diagnosis
                        | EventKind::Procedure
                        | EventKind::Observation
                )
            ),
            Dimension::Status => {
                matches!(kind, Some(EventKind::Immunization | EventKind::Note))
            }
            Dimension::NoteType | Dimension::Author => kind == Some(EventKind::Note),
            Dimension::Class | Dimension::Facility | Dimension::Service => {
                kind == Some(EventKind::Encounter)
            }
            Dimension::Provider => {
                matches!(kind, Some(EventKind::Encounter | EventKind::Procedure))
            }
            Dimension::Payer => kind == Some(EventKind::Encounter) || subject == Subject::Balances,
            Dimension::FinancialClass => subject == Subject::Balances,
            Dimension::AgingBucket(_) => subject == Subject::Balances,
        };
        if !allowed {
            return Parser::invalid(
                &token,
                format!("cannot group {} by `{word}`", subject_word(subject)),
            );
        }
        Ok(dimension)
    }

    fn measure(&mut self, subject: Subject) -> Result<MeasureSpec> {
        let (word, token) =
            self.word("a measure: patients, patients where ..., count, sum(field) or avg(field)")?;
        let measure = match word.as_str() {
            "patients" => {
                if self.eat_keyword("where") {
                    Measure::PatientsWhere(self.unary(Scope::Patient)?)
                } else {
                    Measure::Patients
                }
            }
            "count" => Measure::Count,
            "sum" | "avg" => {
                self.expect(&Tok::LParen, "`(` and a numeric field")?;
                let (name, field_token) = self.word("a numeric field")?;
                let field = field_named(&name);
                let ok = matches!(
                    (field, subject),
                    (Some(Field::Age), _)
                        | (Some(Field::Value), Subject::Events(EventKind::Observation))
                        | (
                            Some(Field::AmountCents | Field::PaidCents | Field::OpenCents),
                            Subject::Balances
                        )
                );
                let Some(field) = field.filter(|_| ok) else {
                    return Parser::invalid(
                        &field_token,
                        format!("cannot {word} `{name}` over {}", subject_word(subject)),
                    );
                };
                self.expect(&Tok::RParen, "`)`")?;
                if word == "sum" {
                    Measure::Sum(field)
                } else {
                    Measure::Avg(field)
                }
            }
            _ => {
                let _ = token;
                self.pos -= 1;
                return self.expected(
                    "a measure: patients, patients where ..., count, sum(field) or avg(field)",
                );
            }
        };
        let mut name = None;
        if self.peek_keyword("as")
            && !matches!(self.tokens.get(self.pos + 1).map(|t| &t.tok), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("of"))
        {
            self.pos += 1;
            let token = self.peek().clone();
            match &token.tok {
                Tok::Word(word) | Tok::Str(word) => {
                    self.pos += 1;
                    name = Some(word.clone());
                }
                _ => return self.expected("a column name after `as`"),
            }
        }
        Ok(MeasureSpec { measure, name })
    }
}
