//! The HL7 suite: golden messages applied to a store (records and ACK text expected), on
//! SQLite and PostgreSQL; the listener over loopback; outbound VXU re-parsed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

mod golden;
mod index;
mod listener;
mod mllp_tls;
mod oru;
mod registry;
mod registry_query;
mod samples;
mod shared;
mod syndromic;
mod vxu;
