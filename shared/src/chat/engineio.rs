//! Engine.IO protocol v4 packets and HTTP long-polling payloads (chat.md §2.1).
//!
//! A packet is one type digit and its data; a polling body holds one or more
//! packets joined by the record separator `\x1e`. Binary packets (`b<base64>`)
//! are refused: the chat never sends binary data, so one is either a broken
//! or a hostile client.

use std::fmt;

/// Joins packets in a polling body, both directions.
pub const SEPARATOR: char = '\x1e';

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `0` + handshake JSON (server → client only).
    Open(String),
    /// `1`.
    Close,
    /// `2` (+ optional data, `probe` during upgrades).
    Ping(String),
    /// `3` (+ optional data).
    Pong(String),
    /// `4` + a Socket.IO packet.
    Message(String),
    /// `5`: upgrade to another transport (we advertise none).
    Upgrade,
    /// `6`: no operation, answers a poll that has nothing to carry.
    Noop,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty payload")]
    Empty,
    #[error("empty packet in a payload")]
    EmptyPacket,
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    #[error("binary packets are not accepted")]
    Binary,
    #[error("packet type {0} carries no data")]
    UnexpectedData(char),
}

impl Packet {
    fn type_char(&self) -> char {
        match self {
            Self::Open(_) => '0',
            Self::Close => '1',
            Self::Ping(_) => '2',
            Self::Pong(_) => '3',
            Self::Message(_) => '4',
            Self::Upgrade => '5',
            Self::Noop => '6',
        }
    }

    /// One packet from its text form.
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        let mut chars = text.chars();
        let kind = chars.next().ok_or(DecodeError::EmptyPacket)?;
        let data = chars.as_str();
        let no_data = |p: Packet| {
            if data.is_empty() {
                Ok(p)
            } else {
                Err(DecodeError::UnexpectedData(kind))
            }
        };
        match kind {
            '0' => Ok(Self::Open(data.to_owned())),
            '1' => no_data(Self::Close),
            '2' => Ok(Self::Ping(data.to_owned())),
            '3' => Ok(Self::Pong(data.to_owned())),
            '4' => Ok(Self::Message(data.to_owned())),
            '5' => no_data(Self::Upgrade),
            '6' => no_data(Self::Noop),
            'b' => Err(DecodeError::Binary),
            other => Err(DecodeError::UnknownType(other)),
        }
    }
}

impl fmt::Display for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.type_char())?;
        match self {
            Self::Open(d) | Self::Ping(d) | Self::Pong(d) | Self::Message(d) => f.write_str(d),
            Self::Close | Self::Upgrade | Self::Noop => Ok(()),
        }
    }
}

/// The packets of a polling body, in order. Any bad packet spoils the whole
/// body (the reference server closes the session on a parser error).
pub fn decode_payload(body: &str) -> Result<Vec<Packet>, DecodeError> {
    if body.is_empty() {
        return Err(DecodeError::Empty);
    }
    body.split(SEPARATOR).map(Packet::decode).collect()
}

/// A polling body of `packets` (a single `6` when there is nothing).
pub fn encode_payload(packets: &[Packet]) -> String {
    if packets.is_empty() {
        return Packet::Noop.to_string();
    }
    let mut out = String::new();
    for (i, packet) in packets.iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        out.push_str(&packet.to_string());
    }
    out
}

/// The Engine.IO transport errors (the reference server's codes and texts),
/// each answered as `{"code":n,"message":"…"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportError {
    UnknownTransport,
    UnknownSid,
    BadHandshakeMethod,
    BadRequest,
    Forbidden,
    UnsupportedProtocolVersion,
    /// A body above `maxPayload` (the reference answers 413).
    PayloadTooLarge,
}

impl TransportError {
    pub fn code(self) -> u8 {
        match self {
            Self::UnknownTransport => 0,
            Self::UnknownSid => 1,
            Self::BadHandshakeMethod => 2,
            Self::BadRequest | Self::PayloadTooLarge => 3,
            Self::Forbidden => 4,
            Self::UnsupportedProtocolVersion => 5,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::UnknownTransport => "Transport unknown",
            Self::UnknownSid => "Session ID unknown",
            Self::BadHandshakeMethod => "Bad handshake method",
            Self::BadRequest | Self::PayloadTooLarge => "Bad request",
            Self::Forbidden => "Forbidden",
            Self::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            Self::Forbidden => 403,
            Self::PayloadTooLarge => 413,
            _ => 400,
        }
    }

    pub fn body(self) -> String {
        serde_json::json!({ "code": self.code(), "message": self.message() }).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_of_several_packets_splits_on_the_record_separator() {
        let body = "3\x1e42[\"chatRoom\",\"g\",\"u\"]\x1e1";
        assert_eq!(
            decode_payload(body),
            Ok(vec![
                Packet::Pong(String::new()),
                Packet::Message(r#"2["chatRoom","g","u"]"#.into()),
                Packet::Close,
            ])
        );
    }

    #[test]
    fn encoding_joins_packets_and_an_empty_answer_is_a_noop() {
        let packets = [
            Packet::Message(r#"0{"sid":"s"}"#.into()),
            Packet::Ping(String::new()),
        ];
        assert_eq!(encode_payload(&packets), "40{\"sid\":\"s\"}\x1e2");
        assert_eq!(encode_payload(&[]), "6");
        assert_eq!(
            decode_payload(&encode_payload(&packets)),
            Ok(packets.to_vec())
        );
    }

    #[test]
    fn text_with_unicode_survives_a_round_trip() {
        let packet = Packet::Message(r#"2["reqMessage","g","u","안녕하세요 🏃"]"#.into());
        assert_eq!(Packet::decode(&packet.to_string()), Ok(packet));
    }

    #[test]
    fn malformed_payloads_are_refused() {
        assert_eq!(decode_payload(""), Err(DecodeError::Empty));
        assert_eq!(decode_payload("3\x1e\x1e3"), Err(DecodeError::EmptyPacket));
        assert_eq!(decode_payload("3\x1e"), Err(DecodeError::EmptyPacket));
        assert_eq!(decode_payload("7"), Err(DecodeError::UnknownType('7')));
        assert_eq!(decode_payload("x42"), Err(DecodeError::UnknownType('x')));
        assert_eq!(
            decode_payload("{\"a\":1}"),
            Err(DecodeError::UnknownType('{'))
        );
        assert_eq!(
            decode_payload("1close"),
            Err(DecodeError::UnexpectedData('1'))
        );
        assert_eq!(decode_payload("6x"), Err(DecodeError::UnexpectedData('6')));
    }

    #[test]
    fn binary_packets_are_refused_even_after_good_ones() {
        assert_eq!(decode_payload("bAQID"), Err(DecodeError::Binary));
        assert_eq!(decode_payload("3\x1ebAQID"), Err(DecodeError::Binary));
    }

    #[test]
    fn transport_errors_use_the_reference_codes() {
        assert_eq!(
            TransportError::UnknownSid.body(),
            r#"{"code":1,"message":"Session ID unknown"}"#
        );
        assert_eq!(TransportError::UnknownSid.status(), 400);
        assert_eq!(TransportError::Forbidden.status(), 403);
        assert_eq!(TransportError::PayloadTooLarge.status(), 413);
        assert_eq!(TransportError::UnsupportedProtocolVersion.code(), 5);
    }
}
