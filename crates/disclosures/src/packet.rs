//! The release packet: a cover sheet (request number, patient, requester, basis, what is
//! enclosed and what was withheld, page count, the redisclosure notices), then exactly
//! the items in scope by part of the chart, every page watermarked with the request
//! number and numbered "page n of N". The SHA-256 of the file is recorded with the
//! release, so the copy sent can be proven later.

use crate::scope::Scope;
use records::{ReleaseCategory, RoiRequest};
use sha2::{Digest, Sha256};
use textpdf::{LINE_WIDTH, LINES_PER_PAGE, Line, Page, wrap, write};
use time::Date;

/// What the cover sheet says besides the request.
#[derive(Debug, Clone)]
pub struct Cover<'a> {
    /// The request number (`ROI-000012`).
    pub number: &'a str,
    /// The facility releasing.
    pub facility: &'a str,
    /// "Family, Given (MRN M00000012), born 1980-04-12".
    pub patient: &'a str,
    /// The day of release.
    pub released_on: Date,
    /// Who released it.
    pub released_by: &'a str,
    /// The fee, in cents.
    pub fee_cents: i64,
}

/// A rendered packet.
#[derive(Debug, Clone)]
pub struct Packet {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// Pages, cover included.
    pub pages: usize,
    /// SHA-256 of `pdf`, lower-case hex.
    pub sha256: String,
}

/// 42 CFR 2.32's notice, required with every disclosure of Part 2 records.
const PART2_NOTICE: &str = "This record, which has been disclosed to you, is protected by federal confidentiality rules (42 CFR part 2). These rules prohibit you from using or disclosing this record, or testimony that describes the information contained in this record, in any civil, criminal, administrative, or legislative proceedings by any Federal, State, or local authority, against the patient, unless authorized by the consent of the patient, except as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. In addition, the Federal rules prohibit you from making any other use or disclosure of this record unless at least one of the following applies: further use or disclosure is expressly permitted by the written consent of the individual whose information is being disclosed in this record or as otherwise permitted by 42 CFR part 2. A general authorization for the release of medical or other information is NOT sufficient to meet the required elements of written consent to further use or redisclose records (see 42 CFR 2.31).";

const CONFIDENTIAL_NOTICE: &str = "This packet contains confidential health information disclosed under the basis stated above. It is for the named recipient and purpose only; further disclosure may be prohibited by law.";

fn money(cents: i64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

fn cover_lines(cover: &Cover<'_>, request: &RoiRequest, scope: &Scope) -> Vec<Line> {
    let mut lines = vec![
        Line::bold(format!("{} - Release of information", cover.facility)),
        Line::plain(""),
        Line::bold(format!("Request {}", cover.number)),
        Line::plain(format!("Patient: {}", cover.patient)),
        Line::plain(format!(
            "Requester: {} ({}){}",
            request.requester_name,
            request.requester_kind.label(),
            request
                .requester_organization
                .as_deref()
                .map(|o| format!(", {o}"))
                .unwrap_or_default()
        )),
    ];
    if let Some(address) = &request.requester_address {
        lines.push(Line::plain(format!("Deliver to: {address}")));
    }
    lines.push(Line::plain(format!("Purpose: {}", request.purpose)));
    lines.push(Line::plain(format!(
        "Basis: {}",
        request.legal_basis.label()
    )));
    lines.push(Line::plain(format!(
        "Received {}, released {} by {}",
        request.received_on, cover.released_on, cover.released_by
    )));
    let range = match (request.from_date, request.to_date) {
        (None, None) => "all dates".to_owned(),
        (Some(from), None) => format!("from {from}"),
        (None, Some(to)) => format!("until {to}"),
        (Some(from), Some(to)) => format!("{from} to {to}"),
    };
    lines.push(Line::plain(format!(
        "Enclosed: {} ({range}), {} items",
        request
            .categories
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join(", "),
        scope.items.len()
    )));
    if scope.withheld.is_empty() {
        lines.push(Line::plain("Withheld: nothing"));
    } else {
        for (reason, n) in &scope.withheld {
            lines.push(Line::plain(format!(
                "Withheld: {n} item{} ({})",
                if *n == 1 { "" } else { "s" },
                reason.describe()
            )));
        }
    }
    lines.push(Line::plain(format!("Fee: {}", money(cover.fee_cents))));
    lines.push(Line::plain("Pages: see the footer (cover included)"));
    lines.push(Line::plain(""));
    for text in wrap(CONFIDENTIAL_NOTICE, LINE_WIDTH) {
        lines.push(Line::plain(text));
    }
    if scope.protected.contains_key(&ReleaseCategory::SubstanceUse) {
        lines.push(Line::plain(""));
        lines.push(Line::bold("Notice to the recipient (42 CFR 2.32)"));
        for text in wrap(PART2_NOTICE, LINE_WIDTH) {
            lines.push(Line::plain(text));
        }
    }
    lines
}

fn body_lines(scope: &Scope) -> Vec<Line> {
    let mut lines = Vec::new();
    for category in ReleaseCategory::ALL {
        let items: Vec<_> = scope
            .items
            .iter()
            .filter(|item| item.category == *category)
            .collect();
        if items.is_empty() {
            continue;
        }
        lines.push(Line::bold(format!(
            "{} ({})",
            category.label(),
            items.len()
        )));
        for item in items {
            for (idx, text) in wrap(&item.title, LINE_WIDTH).into_iter().enumerate() {
                lines.push(if idx == 0 {
                    Line::bold(format!("  {text}"))
                } else {
                    Line::plain(format!("  {text}"))
                });
            }
            for line in &item.lines {
                for text in wrap(line, LINE_WIDTH - 4) {
                    lines.push(Line::plain(format!("    {text}")));
                }
            }
        }
        lines.push(Line::plain(""));
    }
    lines
}

/// The packet for `request` over `scope`.
pub fn render(cover: &Cover<'_>, request: &RoiRequest, scope: &Scope) -> Packet {
    let mut pages: Vec<Vec<Line>> = Vec::new();
    for chunk in cover_lines(cover, request, scope).chunks(LINES_PER_PAGE) {
        pages.push(chunk.to_vec());
    }
    for chunk in body_lines(scope).chunks(LINES_PER_PAGE) {
        pages.push(chunk.to_vec());
    }
    let n_pages = pages.len();
    let pages: Vec<Page> = pages
        .into_iter()
        .enumerate()
        .map(|(idx, lines)| Page {
            header: format!(
                "{} - {} - {} - CONFIDENTIAL",
                cover.facility, cover.number, cover.patient
            ),
            lines,
            footer: format!(
                "{} released {} - page {} of {n_pages}",
                cover.number,
                cover.released_on,
                idx + 1
            ),
        })
        .collect();
    let pdf = write(
        &pages,
        Some(cover.number),
        &format!("Release {}", cover.number),
    );
    let sha256 = hex::encode(Sha256::digest(&pdf));
    Packet {
        pdf,
        pages: n_pages,
        sha256,
    }
}
