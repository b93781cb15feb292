//! Grouping dimensions: how each `group by` item turns a row into a key part, how many
//! parts it can have (for dense group arrays), and how a part is labelled and ordered in
//! the result.

use crate::day;
use crate::error::{Error, Result};
use crate::events::EventKind;
use crate::facts::{EncounterClass, FinancialClass, ImmunizationStatus, NoteStatus, Sex};
use crate::lang::ast::{Band, Dimension, Period};
use crate::table::Cell;

use super::filter::Ctx;
use super::group::GroupRow;

/// At most this many periods in a zero-filled series (a century of days): an open date
/// bound over data with a stray date decades off would otherwise ask for millions of rows.
const MAX_SERIES_PERIODS: i64 = 36_600;

/// The dates time groupings cover, as day numbers (inclusive).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    /// The dates rows can have: the table's date range cut by the filter's window.
    pub(crate) rows: (i32, i32),
    /// The dates asked: the filter's window where it is bounded, the table's dates where
    /// it is not; empty (`lo > hi`) when the table has no rows and the window is open.
    pub(crate) asked: (i32, i32),
}

/// A compiled dimension.
pub(crate) enum DimEval {
    /// `band_of_patient[p]` is patient `p`'s band index (`u8::MAX`: in no band), computed
    /// once per query in one sequential pass, so grouping reads one byte per row.
    AgeBand {
        band_of_patient: Vec<u8>,
        bands: Vec<Band>,
    },
    Sex,
    Zip3,
    Zip,
    /// Parts are period numbers minus `first`, in `0..count`.
    Period {
        period: Period,
        first: i64,
        count: u64,
    },
    Code,
    Status,
    Class,
    Provider,
    Facility,
    Payer,
    /// A balance's financial class (kept in the A/R items' status column).
    FinancialClass,
    Aging(Vec<Band>),
}

pub(crate) fn band_of(bands: &[Band], value: i64) -> Option<usize> {
    bands.iter().position(|band| {
        value >= i64::from(band.lo) && band.hi.is_none_or(|hi| value <= i64::from(hi))
    })
}

fn band_label(band: &Band) -> String {
    band.to_string()
}

impl DimEval {
    /// Compiles a dimension; `span` bounds the dates of the rows that can reach grouping,
    /// which makes time groupings dense, and gives the dates a series covers.
    pub(crate) fn compile(ctx: &Ctx<'_>, dimension: &Dimension, span: &Span) -> Result<DimEval> {
        Ok(match dimension {
            Dimension::AgeBand(bands) => {
                let as_of = ctx.as_of_ymd("age_band")?;
                // Ages 0..=150 by table lookup; older (data errors) fall back to a search.
                let by_age: Vec<u8> = (0..=150i64)
                    .map(|age| band_of(bands, age).map_or(u8::MAX, |idx| idx as u8))
                    .collect();
                let band_of_patient = ctx
                    .patients
                    .birth_ymd
                    .iter()
                    .map(|&birth| {
                        let age = day::age_years(birth, as_of);
                        match by_age.get(age as usize) {
                            Some(&idx) => idx,
                            None => band_of(bands, i64::from(age)).map_or(u8::MAX, |idx| idx as u8),
                        }
                    })
                    .collect();
                DimEval::AgeBand {
                    band_of_patient,
                    bands: bands.clone(),
                }
            }
            Dimension::Sex => DimEval::Sex,
            Dimension::Zip3 => DimEval::Zip3,
            Dimension::Zip => DimEval::Zip,
            Dimension::Period(period) if period.is_series() => {
                // A series covers the dates asked, not only those with rows: the
                // filter's window where it is bounded, the data's dates where not.
                let (lo, hi) = span.asked;
                if lo > hi {
                    DimEval::Period {
                        period: *period,
                        first: 0,
                        count: 0,
                    }
                } else {
                    let first = day::period_number(lo, *period);
                    let count = day::period_number(hi, *period) - first + 1;
                    if count > MAX_SERIES_PERIODS {
                        return Err(Error::Unanswerable(format!(
                            "a series by {} from {} to {} has {count} periods, more than the {MAX_SERIES_PERIODS} a series may have; bound the dates (date >= ..., date < ...)",
                            period.word(),
                            day::iso(lo),
                            day::iso(hi),
                        )));
                    }
                    DimEval::Period {
                        period: *period,
                        first,
                        count: u64::try_from(count).unwrap_or(0),
                    }
                }
            }
            Dimension::Period(period) => {
                let first = day::period_number(span.rows.0, *period);
                let last = day::period_number(span.rows.1, *period).max(first);
                let count = u64::try_from(last - first + 1).unwrap_or(1);
                DimEval::Period {
                    period: *period,
                    first,
                    count,
                }
            }
            Dimension::Code => DimEval::Code,
            Dimension::Status => DimEval::Status,
            Dimension::Class => DimEval::Class,
            Dimension::Provider => DimEval::Provider,
            Dimension::Facility => DimEval::Facility,
            Dimension::Payer => DimEval::Payer,
            Dimension::FinancialClass => DimEval::FinancialClass,
            // An encounter's service is kept in its code column.
            Dimension::Service | Dimension::NoteType => DimEval::Code,
            Dimension::Author => DimEval::Provider,
            Dimension::AgingBucket(bands) => {
                ctx.as_of_ymd("aging_bucket")?;
                DimEval::Aging(bands.clone())
            }
        })
    }

    /// The number of parts of a zero-filled series dimension (every one gets a row).
    pub(crate) fn series_count(&self) -> Option<u64> {
        match self {
            DimEval::Period { period, count, .. } if period.is_series() => Some(*count),
            _ => None,
        }
    }

    /// Number of distinct parts, when small and known ahead.
    pub(crate) fn cardinality(&self, ctx: &Ctx<'_>, kind: Option<EventKind>) -> Option<u64> {
        Some(match self {
            DimEval::AgeBand { bands, .. } | DimEval::Aging(bands) => bands.len() as u64,
            DimEval::Sex => Sex::ALL.len() as u64,
            DimEval::Zip3 => ctx.patients.zip3s.len() as u64,
            DimEval::Zip => ctx.patients.zips.len() as u64,
            DimEval::Code => ctx.table(kind?).ok()?.codes.len() as u64,
            DimEval::Status => 3,
            DimEval::FinancialClass => FinancialClass::ALL.len() as u64,
            DimEval::Class => 6,
            DimEval::Period { count, .. } => *count,
            DimEval::Provider | DimEval::Facility | DimEval::Payer => {
                return None;
            }
        })
    }

    /// How this dimension's part packs into a one-word key: `(bits, offset, divisor)`,
    /// injective on the parts that occur; `None` for unbounded keys (providers, payers).
    pub(crate) fn packing(
        &self,
        ctx: &Ctx<'_>,
        kind: Option<EventKind>,
    ) -> Option<(u32, i64, i64)> {
        Some(match self {
            DimEval::Provider | DimEval::Facility | DimEval::Payer => return None,
            other => {
                let card = other.cardinality(ctx, kind)?.max(2);
                (64 - (card - 1).leading_zeros(), 0, 1)
            }
        })
    }

    /// This dimension's part of the key for a row; `None` leaves the row out.
    #[inline]
    pub(crate) fn part(&self, ctx: &Ctx<'_>, group_row: &GroupRow) -> Option<i64> {
        let row = &group_row.row;
        let patient = row.patient as usize;
        Some(match self {
            DimEval::AgeBand {
                band_of_patient, ..
            } => match band_of_patient.get(patient) {
                Some(&idx) if idx != u8::MAX => i64::from(idx),
                _ => return None,
            },
            DimEval::Sex => i64::from(*ctx.patients.sex.get(patient)?),
            DimEval::Zip3 => i64::from(*ctx.patients.zip3.get(patient)?),
            DimEval::Zip => i64::from(*ctx.patients.zip.get(patient)?),
            DimEval::Period {
                period,
                first,
                count,
            } => {
                let part = day::period_number(row.date, *period) - first;
                if part < 0 || part as u64 >= *count {
                    return None;
                }
                part
            }
            DimEval::Code => i64::from(row.code),
            DimEval::Status | DimEval::Class | DimEval::FinancialClass => i64::from(row.status),
            DimEval::Provider => row.provider,
            DimEval::Facility => row.facility,
            DimEval::Payer => row.payer,
            DimEval::Aging(bands) => band_of(bands, group_row.days_past_due)? as i64,
        })
    }

    /// The cell shown for a part.
    pub(crate) fn label(&self, ctx: &Ctx<'_>, kind: Option<EventKind>, part: i64) -> Cell {
        let id = u32::try_from(part).unwrap_or(u32::MAX);
        match self {
            DimEval::AgeBand { bands, .. } | DimEval::Aging(bands) => Cell::Text(
                bands
                    .get(id as usize)
                    .map(band_label)
                    .unwrap_or_default()
                    .into(),
            ),
            DimEval::Sex => {
                let sex = Sex::ALL
                    .into_iter()
                    .find(|sex| i64::from(sex.code()) == part);
                Cell::Text(sex.unwrap_or(Sex::Unknown).letter().into())
            }
            DimEval::Zip3 => Cell::Text(ctx.patients.zip3s.text(id).into()),
            DimEval::Zip => Cell::Text(ctx.patients.zips.text(id).into()),
            DimEval::Period { period, first, .. } => {
                Cell::Text(day::period_label(first + part, *period).into())
            }
            DimEval::Code => Cell::Text(
                kind.and_then(|kind| ctx.table(kind).ok())
                    .map_or("", |table| table.codes.text(id))
                    .into(),
            ),
            DimEval::Status if kind == Some(EventKind::Note) => {
                let word = [NoteStatus::Unsigned, NoteStatus::Signed]
                    .into_iter()
                    .find(|status| *status as i64 == part)
                    .map_or("", NoteStatus::word);
                Cell::Text(word.into())
            }
            DimEval::Status => {
                let word = [
                    ImmunizationStatus::Completed,
                    ImmunizationStatus::EnteredInError,
                    ImmunizationStatus::NotDone,
                ]
                .into_iter()
                .find(|status| *status as i64 == part)
                .map_or("", ImmunizationStatus::code);
                Cell::Text(word.into())
            }
            DimEval::Class => {
                let word = [
                    EncounterClass::Ambulatory,
                    EncounterClass::Emergency,
                    EncounterClass::Inpatient,
                    EncounterClass::Observation,
                    EncounterClass::Virtual,
                    EncounterClass::Home,
                ]
                .into_iter()
                .find(|class| *class as i64 == part)
                .map_or("", EncounterClass::word);
                Cell::Text(word.into())
            }
            DimEval::FinancialClass => Cell::Text(
                FinancialClass::ALL
                    .into_iter()
                    .find(|class| *class as i64 == part)
                    .map_or("", FinancialClass::word)
                    .into(),
            ),
            DimEval::Provider | DimEval::Facility | DimEval::Payer => Cell::Int(part),
        }
    }

    /// For dimensions whose parts are dictionary ids, each id's rank in the order rows
    /// are shown (ZIPs and codes as text, CVX numerically); other parts sort as themselves.
    pub(crate) fn ranks(&self, ctx: &Ctx<'_>, kind: Option<EventKind>) -> Option<Vec<i64>> {
        let dictionary = match self {
            DimEval::Zip3 => &ctx.patients.zip3s,
            DimEval::Zip => &ctx.patients.zips,
            DimEval::Code => &ctx.table(kind?).ok()?.codes,
            _ => return None,
        };
        let mut ids: Vec<(u32, &str)> = dictionary.iter().collect();
        if kind == Some(EventKind::Immunization) && matches!(self, DimEval::Code) {
            ids.sort_by_key(|(_, text)| text.parse::<i64>().unwrap_or(i64::MAX));
        } else {
            ids.sort_by_key(|(_, text)| *text);
        }
        let mut ranks = vec![0i64; ids.len()];
        for (rank, (id, _)) in ids.into_iter().enumerate() {
            if let Some(slot) = ranks.get_mut(id as usize) {
                *slot = rank as i64;
            }
        }
        Some(ranks)
    }
}
