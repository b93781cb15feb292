//! Canonical text of a query: clauses in the order where, as of, group by, measure;
//! `count` before every subject but `balances`; parentheses wherever an `and`
//! or `or` sits inside another operator, so the text parses back to the same AST.

use std::fmt::{self, Display, Formatter};

use super::ast::{
    Band, CmpOp, Cond, Dimension, Expr, Field, Item, Measure, MeasureSpec, Query, Test, Value,
};
use super::lexer::is_bare_word;
use super::vocabulary::{field_word, has_word, subject_word};

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // `count` is optional noise in the grammar; it reads well before patients and
        // events and badly before balances, so the canonical form follows that.
        if self.list.is_some() {
            write!(f, "list ")?;
        } else if self.subject != super::ast::Subject::Balances {
            write!(f, "count ")?;
        }
        write!(f, "{}", subject_word(self.subject))?;
        if let Some(filter) = &self.filter {
            write!(f, " where {filter}")?;
        }
        if let Some(as_of) = self.as_of {
            write!(f, " as of {as_of}")?;
        }
        if !self.group_by.is_empty() {
            write!(f, " group by ")?;
            comma_list(f, &self.group_by)?;
        }
        if !self.measures.is_empty() {
            write!(f, " measure ")?;
            comma_list(f, &self.measures)?;
        }
        if let Some(list) = &self.list {
            write!(f, " columns ")?;
            let words: Vec<&str> = list.columns.iter().map(|c| c.word()).collect();
            comma_list(f, &words)?;
            if !list.order_by.is_empty() {
                write!(f, " order by ")?;
                for (idx, key) in list.order_by.iter().enumerate() {
                    let comma = if idx > 0 { ", " } else { "" };
                    let desc = if key.descending { " desc" } else { "" };
                    write!(f, "{comma}{}{desc}", key.column.word())?;
                }
            }
            if let Some(limit) = list.limit {
                write!(f, " limit {limit}")?;
            }
        }
        Ok(())
    }
}

fn comma_list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (idx, item) in items.iter().enumerate() {
        if idx > 0 {
            write!(f, ", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// Writes `expr`, parenthesised when it is an `and` or `or` (the operand position of
/// another operator), so grouping survives the round trip exactly.
fn operand(f: &mut Formatter<'_>, expr: &Expr) -> fmt::Result {
    match expr {
        Expr::And(_) | Expr::Or(_) => write!(f, "({expr})"),
        _ => write!(f, "{expr}"),
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::And(all) | Expr::Or(all) => {
                let joiner = if matches!(self, Expr::And(_)) {
                    " and "
                } else {
                    " or "
                };
                for (idx, expr) in all.iter().enumerate() {
                    if idx > 0 {
                        f.write_str(joiner)?;
                    }
                    operand(f, expr)?;
                }
                Ok(())
            }
            Expr::Not(inner) => {
                f.write_str("not ")?;
                operand(f, inner)
            }
            Expr::Has(kind, all) => {
                write!(f, "{}(", has_word(*kind))?;
                comma_list(f, all)?;
                f.write_str(")")
            }
            Expr::HasNote(all) => {
                f.write_str("has_note(")?;
                comma_list(f, all)?;
                f.write_str(")")
            }
            Expr::Deceased => f.write_str("deceased"),
            Expr::Cond(cond) => write!(f, "{cond}"),
        }
    }
}

impl Display for Cond {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", field_word(self.field))?;
        // Status and class words such as `entered-in-error` are always bare: only code
        // fields read `A-B` as a range, so only they need quotes around a hyphen.
        let bare = matches!(
            self.field,
            Field::Sex | Field::Status | Field::Class | Field::FinancialClass
        );
        match &self.test {
            Test::Compare(op, Value::Word(word)) if bare => write!(f, "{op} {word}"),
            Test::In(items) if bare => {
                f.write_str("in (")?;
                for (idx, item) in items.iter().enumerate() {
                    if idx > 0 {
                        f.write_str(", ")?;
                    }
                    match item {
                        Item::One(Value::Word(word)) => f.write_str(word)?,
                        other => write!(f, "{other}")?,
                    }
                }
                f.write_str(")")
            }
            Test::Compare(op, value) => write!(f, "{op} {value}"),
            Test::In(items) if items.len() == 1 => {
                f.write_str("in ")?;
                comma_list(f, items)
            }
            Test::In(items) => {
                f.write_str("in (")?;
                comma_list(f, items)?;
                f.write_str(")")
            }
        }
    }
}

impl Display for CmpOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        })
    }
}

impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::Date(date) => write!(f, "{date}"),
            Value::Word(word)
                if is_bare_word(word) && !word.ends_with('*') && !word.contains('-') =>
            {
                f.write_str(word)
            }
            Value::Word(word) => {
                f.write_str("\"")?;
                for c in word.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")
            }
        }
    }
}

impl Display for Item {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Item::One(value) => write!(f, "{value}"),
            Item::Range(lo, hi) => write!(f, "{lo} - {hi}"),
            Item::AtLeast(value) => write!(f, "{value}+"),
            Item::Prefix(prefix) => write!(f, "{prefix}*"),
            Item::Set(name) => f.write_str(name),
        }
    }
}

impl Display for Band {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.hi {
            Some(hi) => write!(f, "{}-{hi}", self.lo),
            None => write!(f, "{}+", self.lo),
        }
    }
}

impl Display for Dimension {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Dimension::AgeBand(bands) | Dimension::AgingBucket(bands) => {
                let word = if matches!(self, Dimension::AgeBand(_)) {
                    "age_band"
                } else {
                    "aging_bucket"
                };
                write!(f, "{word}(")?;
                for (idx, band) in bands.iter().enumerate() {
                    if idx > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{band}")?;
                }
                f.write_str(")")
            }
            Dimension::Sex => f.write_str("sex"),
            Dimension::Zip3 => f.write_str("zip3"),
            Dimension::Zip => f.write_str("zip"),
            Dimension::Period(period) => write!(f, "{}(date)", period.word()),
            Dimension::Code => f.write_str("code"),
            Dimension::Status => f.write_str("status"),
            Dimension::Class => f.write_str("class"),
            Dimension::Provider => f.write_str("provider"),
            Dimension::Facility => f.write_str("facility"),
            Dimension::Payer => f.write_str("payer"),
            Dimension::FinancialClass => f.write_str("financial_class"),
            Dimension::Service => f.write_str("service"),
            Dimension::NoteType => f.write_str("type"),
            Dimension::Author => f.write_str("author"),
        }
    }
}

impl Display for Measure {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Measure::Patients => f.write_str("patients"),
            Measure::PatientsWhere(expr) => {
                f.write_str("patients where ")?;
                operand(f, expr)
            }
            Measure::Count => f.write_str("count"),
            Measure::Sum(field) => write!(f, "sum({})", field_word(*field)),
            Measure::Avg(field) => write!(f, "avg({})", field_word(*field)),
        }
    }
}

impl Display for MeasureSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.measure)?;
        if let Some(name) = &self.name {
            write!(f, " as {}", Value::Word(name.clone()))?;
        }
        Ok(())
    }
}
