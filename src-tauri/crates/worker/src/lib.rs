//! The part of gateway-worker that reads untrusted input without any I/O: the request-line parser
//! ([`request`]) and the errors it answers with ([`errors`]). It is a library only so that the fuzz targets
//! (fuzz/) and the property tests (tests/) can call the very code the binary runs; `main.rs` stays the
//! binary and uses these modules from here instead of compiling its own copies.

pub mod errors;
pub mod request;
