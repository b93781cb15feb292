//! Who sends the claims and to whom: the submitter (loop 1000A), the receiver (1000B), the
//! interchange ids and the billing provider's tax id, which the records model does not keep.

use records::Address;

/// The sending side of a claim file, from the billing office's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitter {
    /// NM103 of loop 1000A.
    pub name: String,
    /// NM109 of loop 1000A (the id the receiver assigned), also ISA06 and GS02.
    pub id: String,
    /// PER02: the billing contact.
    pub contact: String,
    /// PER04: the contact's telephone, digits only.
    pub phone: String,
    /// NM103 of loop 1000B.
    pub receiver_name: String,
    /// NM109 of loop 1000B, also ISA08 and GS03.
    pub receiver_id: String,
    /// REF02 (`EI`) of loop 2010AA: the billing provider's employer identification number.
    pub billing_tax_id: String,
    /// ISA15: production (`P`) or test (`T`) data.
    pub production: bool,
}

/// An address as N3/N4 write it, or the field missing from it.
pub(crate) fn street_address(
    address: &Address,
) -> Result<(String, String, String, String), &'static str> {
    let line1 = address.line1.clone().ok_or("line1")?;
    let city = address.city.clone().ok_or("city")?;
    let state = address.state.clone().ok_or("state")?;
    let zip: String = address
        .postal_code
        .as_deref()
        .ok_or("postal_code")?
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    Ok((line1, city, state, zip))
}
