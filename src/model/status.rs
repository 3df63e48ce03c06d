//! The files paved writes under `status/` (bot-owned, see [`super::BOT_OWNED`]): each is a YAML document after
//! one header line that says so.

use serde::Serialize;

/// The first line of every status file.
pub const HEADER: &str = "# Written by paved. Do not edit: this file is bot-owned and is overwritten.\n";

/// Render a status document as the file paved writes.
pub fn render<T: Serialize>(doc: &T) -> String {
    let body = crate::yaml::emit::to_string(doc).expect("status documents always serialize");
    // Sized exactly: a plan holds every status it writes, and a string grown by doubling is up to half slack.
    let mut file = String::with_capacity(HEADER.len() + body.len());
    file.push_str(HEADER);
    file.push_str(&body);
    file
}
