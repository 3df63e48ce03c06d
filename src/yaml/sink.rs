//! What both readers of YAML (the fast one, `super::fast`, and yaml-rust2's) hand their events to, and how deep
//! they let collections nest.

use crate::diag::Pos;
use yaml_rust2::parser::Event;

/// Collections nested deeper than this are refused, as serde_json and serde_yaml refuse them: a document's value
/// is cloned, decoded and dropped recursively, and a line of `- - - - …` would otherwise overflow the stack.
pub(crate) const MAX_DEPTH: usize = 128;

/// Where parse events go, each with the position of its node: the `Builder`, or a test's recorder.
pub(super) trait Sink {
    fn on(&mut self, ev: Event, pos: Pos);
}
