//! A service line's claim details (`records::ChargeDetail`: drug, anesthesia, ambulance
//! trip, equipment) read from the store and made ready for the writers: the NDC in its
//! 11-digit form, the ordering physician with an NPI. Every problem names the charge, the
//! claim line and the field.

use crate::build::Problems;
use crate::claim::{LineDetails, LineDrug, LineEquipment, RenderingProvider};
use crate::sources::Sources;
use records::{ChargeDetail, Ndc, Validate};

/// `detail` as the writers take it; `source` names the charge and line (`charge 7 (line
/// 2)`). A detail that no longer validates (stored before a rule, or changed outside the
/// forms) is reported field by field rather than written.
pub(crate) fn resolve(
    sources: &Sources,
    detail: &ChargeDetail,
    source: &str,
    problems: &mut Problems,
) -> store::Result<LineDetails> {
    if let Err(errors) = detail.validate() {
        for error in errors.0 {
            problems.add(
                source,
                "detail",
                format!("{}: {}", error.path, error.message),
            );
        }
        return Ok(LineDetails::default());
    }
    let drug = match &detail.drug {
        None => None,
        Some(drug) => match Ndc::parse(&drug.ndc) {
            Ok(ndc) => Some(LineDrug {
                ndc,
                quantity_thousandths: drug.quantity_thousandths,
                unit: drug.unit,
                prescription_number: drug.prescription_number.clone(),
            }),
            Err(message) => {
                problems.add(source, "drug.ndc", message);
                None
            }
        },
    };
    let equipment = match &detail.equipment {
        None => None,
        Some(equipment) => {
            let ordering = match equipment.ordering_provider_id {
                None => None,
                Some(id) => {
                    let provider = sources.provider(id.0)?;
                    match provider.npi {
                        Some(npi) => Some(RenderingProvider {
                            family_name: provider.family_name.clone(),
                            given_name: provider.given_name.clone(),
                            npi,
                            taxonomy: None,
                        }),
                        None => {
                            problems.add(
                                format!("{source}, provider {} (ordering)", id.0),
                                "equipment.ordering_provider_id",
                                "the ordering physician has no NPI; loop 2420E NM109 needs it",
                            );
                            None
                        }
                    }
                }
            };
            Some(LineEquipment {
                detail: equipment.clone(),
                ordering,
            })
        }
    };
    Ok(LineDetails {
        drug,
        anesthesia: detail.anesthesia.clone(),
        transport: detail.transport.clone(),
        equipment,
    })
}
