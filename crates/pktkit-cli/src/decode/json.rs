//! The JSON form of a decoded packet: one object per packet, keyed by layer.
//!
//! `{"frame":{…},"eth":{…},"ipv4":{…},"tcp":{…}}` — the `frame` object says
//! where the packet came from (number, time, lengths, interface, direction);
//! every other key is a layer of [`Layers`], present only
//! when decoded, with `error` last when decoding stopped early. Field names are
//! the model's and are part of the tool's interface.
//!
//! Not for: reading JSON back.

use serde::Serialize;

use super::model::{FrameInfo, Layers};

#[derive(Serialize)]
struct Record<'a> {
    frame: &'a FrameInfo,
    #[serde(flatten)]
    layers: &'a Layers,
}

/// One packet as a JSON value.
pub fn value(frame: &FrameInfo, layers: &Layers) -> serde_json::Value {
    // Serialising plain structs of strings, numbers and vectors cannot fail.
    serde_json::to_value(Record { frame, layers }).unwrap_or(serde_json::Value::Null)
}

/// One packet as a single-line JSON object (without a newline).
pub fn line(frame: &FrameInfo, layers: &Layers) -> String {
    value(frame, layers).to_string()
}
