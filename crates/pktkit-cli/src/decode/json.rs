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

/// One packet as a single-line JSON object (without a newline), keys in
/// layer order: `frame` first, then outermost to innermost, `error` last.
pub fn line(frame: &FrameInfo, layers: &Layers) -> String {
    serde_json::to_string(&Record { frame, layers }).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::model::{ErrorLayer, EthLayer, UdpLayer};
    use super::*;

    #[test]
    fn keys_in_layer_order_with_exact_names() {
        let frame = FrameInfo {
            number: 3,
            time: "5.000000000".into(),
            len: 60,
            caplen: 42,
            interface: Some(1),
            direction: Some("out"),
            comment: None,
        };
        let layers = Layers {
            eth: Some(EthLayer {
                src: "52:54:00:00:00:01".into(),
                dst: "52:54:00:00:00:02".into(),
                ethertype: 0x0800,
                vlan: vec![7],
            }),
            udp: Some(UdpLayer {
                sport: 1,
                dport: 2,
                len: 8,
                checksum_ok: None,
            }),
            error: Some(ErrorLayer {
                layer: "udp",
                reason: "bad length".into(),
            }),
            ..Layers::default()
        };
        assert_eq!(
            line(&frame, &layers),
            r#"{"frame":{"number":3,"time":"5.000000000","len":60,"caplen":42,"interface":1,"direction":"out"},"eth":{"src":"52:54:00:00:00:01","dst":"52:54:00:00:00:02","ethertype":2048,"vlan":[7]},"udp":{"sport":1,"dport":2,"len":8,"checksum_ok":null},"error":{"layer":"udp","reason":"bad length"}}"#
        );
        assert_eq!(value(&frame, &layers)["udp"]["dport"], 2);
    }
}
