//! Scanned documents (issue 19): pages scanned or received on paper filed to a chart. No
//! HTTP here: the command line (`chartroom documents`) and the server call in.
//!
//! - `inspect`: what an upload is (PDF, TIFF, JPEG by their first bytes), parsed far enough
//!   to refuse a cut or damaged file naming the problem; page count; a JPEG thumbnail of
//!   an image's first page.
//! - `workflow`: add (checked, kept by SHA-256 in `DATA_DIR/documents` through the shared
//!   `content_store`, recorded), index (the queue's documents given patient and type),
//!   move (a misfiled document to the right chart, both charts' trails showing it), list,
//!   show, content and thumbnail reads; each one audited transaction.
//!
//! Invariants:
//! - Scanned pages are patient data of the `notes` category: every upload, listing, view,
//!   export, indexing and move has its audit entry, written in the transaction that does it.
//! - A document's content never changes; its filing (patient, type, date, encounter) does,
//!   and `record_history` keeps every earlier filing.

pub mod inspect;
pub mod pdf_render;
pub mod workflow;

pub use inspect::{InspectError, Inspected, MAX_BYTES, inspect};
pub use workflow::{
    CATEGORY, Error, Filing, Listed, Part, add, content_of, content_store, for_patient, index,
    move_to, queue, sha1_base64, show,
};
