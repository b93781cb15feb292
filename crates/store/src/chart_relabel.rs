//! Paper chart volumes in a merge (issue 19): the retired chart's volumes become the
//! surviving chart's, numbered after its own and given its barcodes (`M00000012-V3`); an
//! unmerge puts each back as it was. Which volumes still carry a printed label other than
//! their barcode is read from the audit trail, where a merge, an unmerge and each label print
//! stand in the order they happened.
//!
//! Invariants:
//! - A relabelled volume's patient, number and barcode before the merge are kept in
//!   `mpi_merge_moves` (kind `chart_volume`, beside the barcode it was given), so the unmerge
//!   restores them exactly; where it is, who holds it and its movements are untouched.
//! - No table remembers "label printed": the chain does (`archive::paper`'s print entry
//!   names the volume), so nothing can drift from what was audited.
//! - A label still on a volume finds it when scanned, until a new one is printed.

use crate::chart_volumes::ChartVolume;
use crate::error::Result;
use crate::tx::Tx;
use crate::value::Value;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// A volume whose label no longer says its barcode: a new label is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relabel {
    /// The volume as it is now.
    pub volume: ChartVolume,
    /// What the label on it says.
    pub label: String,
    /// The merge that last moved it (to the surviving chart, or back by its unmerge).
    pub merge_id: i64,
}

/// One merge's relabelling of one volume.
struct Moved {
    merge_id: i64,
    volume_id: i64,
    before: String,
    after: String,
}

impl Tx<'_> {
    /// Moves the retired chart's volumes to the surviving chart, numbered after its own
    /// volumes, each listed for the unmerge with what it was.
    pub(crate) fn relabel_volumes(
        &mut self,
        merge_id: i64,
        (surviving_id, surviving_mrn): (i64, &str),
        retired_id: i64,
    ) -> Result<()> {
        let last = self
            .query(
                "SELECT CAST(COALESCE(MAX(volume), 0) AS BIGINT) FROM chart_volumes WHERE patient_id = ?",
                &[Value::Int(surviving_id)],
            )?
            .first()
            .map_or(0, |r| r.int(0));
        for (n, volume) in (1..).zip(self.chart_volumes_of(retired_id)?) {
            let number = last + n;
            let barcode = format!("{surviving_mrn}-V{number}");
            self.list_move(
                merge_id,
                "chart_volume",
                volume.id,
                Some(json!({
                    "patient_id": volume.patient_id,
                    "volume": volume.volume,
                    "barcode": volume.barcode,
                    "new_barcode": barcode,
                })),
            )?;
            self.set_label(volume.id, surviving_id, number, &barcode)?;
        }
        Ok(())
    }

    /// Puts the volumes merge `merge_id` relabelled back on the retired chart as they were.
    pub(crate) fn restore_volumes(&mut self, merge_id: i64) -> Result<()> {
        let moves = self.query(
            "SELECT record_id, detail FROM mpi_merge_moves WHERE merge_id = ? AND kind = 'chart_volume' ORDER BY record_id",
            &[Value::Int(merge_id)],
        )?;
        for row in &moves {
            let detail = crate::patient_index::json_of(row.get(1));
            let field = |name: &str| detail.get(name).and_then(serde_json::Value::as_i64);
            let (Some(patient_id), Some(number), Some(barcode)) = (
                field("patient_id"),
                field("volume"),
                detail.get("barcode").and_then(|b| b.as_str()),
            ) else {
                return Err(crate::error::Error::Corrupt {
                    kind: "merge move",
                    id: merge_id,
                    message: format!("volume {} has no patient, number or barcode", row.int(0)),
                });
            };
            self.set_label(row.int(0), patient_id, number, barcode)?;
        }
        Ok(())
    }

    fn set_label(&mut self, id: i64, patient_id: i64, number: i64, barcode: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE chart_volumes SET patient_id = ?, volume = ?, barcode = ? WHERE id = ?",
            &[
                Value::Int(patient_id),
                Value::Int(number),
                Value::from(barcode),
                Value::Int(id),
            ],
        )?;
        Ok(())
    }

    fn relabelled(&mut self) -> Result<Vec<Moved>> {
        Ok(self
            .query(
                "SELECT merge_id, record_id, detail FROM mpi_merge_moves WHERE kind = 'chart_volume' ORDER BY merge_id, record_id",
                &[],
            )?
            .iter()
            .map(|row| {
                let detail = crate::patient_index::json_of(row.get(2));
                let text = |name: &str| {
                    detail
                        .get(name)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned()
                };
                Moved {
                    merge_id: row.int(0),
                    volume_id: row.int(1),
                    before: text("barcode"),
                    after: text("new_barcode"),
                }
            })
            .collect())
    }

    /// Volumes a merge or an unmerge relabelled whose label has not been printed since,
    /// by volume id. A volume's label is what its barcode was when it was last printed (or
    /// before its first merge); the audit chain's order says which came first.
    pub fn volumes_to_relabel(&mut self) -> Result<Vec<Relabel>> {
        let moves = self.relabelled()?;
        if moves.is_empty() {
            return Ok(Vec::new());
        }
        // Per volume: the label on it, its barcode as the chain goes, the last merge to move it.
        let mut state: BTreeMap<i64, (String, String, i64)> = BTreeMap::new();
        for m in &moves {
            state
                .entry(m.volume_id)
                .or_insert_with(|| (m.before.clone(), m.before.clone(), m.merge_id));
        }
        let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
        // From the first such merge on (the audit log's index on `at`), not the whole log.
        let events = self.query(
            "SELECT record_kind, record_id FROM audit_log WHERE outcome = ? \
               AND at >= (SELECT MIN(m.merged_at) FROM mpi_merges m JOIN mpi_merge_moves mv ON mv.merge_id = m.id WHERE mv.kind = 'chart_volume') AND ( \
               (record_kind = 'mpi_merge' AND record_id IN (SELECT merge_id FROM mpi_merge_moves WHERE kind = 'chart_volume')) \
               OR (record_kind = 'chart_volume' AND action = ? AND record_id IN (SELECT record_id FROM mpi_merge_moves WHERE kind = 'chart_volume'))) \
             ORDER BY seq",
            &[
                Value::from(privacy::Outcome::Success.as_str()),
                Value::from(privacy::Action::Print.as_str()),
            ],
        )?;
        for event in &events {
            let id = event.int(1);
            match event.text(0) {
                Some("mpi_merge") => {
                    // The first entry of a merge is the merge, the second its unmerge.
                    let count = seen.entry(id).or_default();
                    *count += 1;
                    for m in moves.iter().filter(|m| m.merge_id == id) {
                        if let Some((_, barcode, last)) = state.get_mut(&m.volume_id) {
                            *barcode = if *count == 1 { &m.after } else { &m.before }.clone();
                            *last = id;
                        }
                    }
                }
                _ => {
                    if let Some((label, barcode, _)) = state.get_mut(&id) {
                        label.clone_from(barcode);
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (volume_id, (label, _, merge_id)) in state {
            let Some(volume) = self.chart_volume_by_id(volume_id)? else {
                continue;
            };
            if volume.barcode != label {
                out.push(Relabel {
                    volume,
                    label,
                    merge_id,
                });
            }
        }
        Ok(out)
    }

    /// The volume a label still on it names, while that label waits to be replaced.
    pub(crate) fn chart_volume_by_old_label(&mut self, label: &str) -> Result<Option<ChartVolume>> {
        let wanted = label.trim().to_uppercase();
        Ok(self
            .volumes_to_relabel()?
            .into_iter()
            .find(|r| r.label.to_uppercase() == wanted)
            .map(|r| r.volume))
    }
}
