//! Socket.IO protocol v5 packets, carried in Engine.IO message packets.
//!
//! Form: `<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]`.
//! Binary packets (types 5 and 6, with attachments) are refused: the chat has
//! no binary data.

use serde_json::Value;

/// The only namespace the frontend uses.
pub const DEFAULT_NAMESPACE: &str = "/";
/// Bounds the digits of an ack id (the reference parser reads a JS number).
const MAX_ACK_ID_DIGITS: usize = 15;

#[derive(Debug, Clone, PartialEq)]
pub enum Packet {
    /// `0`: connect to a namespace (optional auth object from the client,
    /// `{"sid":…}` from the server).
    Connect {
        namespace: String,
        data: Option<Value>,
    },
    /// `1`: leave a namespace.
    Disconnect { namespace: String },
    /// `2`: `[name, ...args]`.
    Event {
        namespace: String,
        ack_id: Option<u64>,
        name: String,
        args: Vec<Value>,
    },
    /// `3`: the answer to an event that asked for an ack.
    Ack {
        namespace: String,
        ack_id: u64,
        args: Vec<Value>,
    },
    /// `4`: a refused connect (server → client).
    ConnectError { namespace: String, data: Value },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("empty packet")]
    Empty,
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    #[error("binary packets are not accepted")]
    Binary,
    #[error("bad ack id")]
    BadAckId,
    #[error("payload is not JSON")]
    NotJson,
    #[error("invalid payload for packet type {0}")]
    InvalidPayload(char),
}

impl Packet {
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        let mut chars = text.char_indices();
        let (_, kind) = chars.next().ok_or(DecodeError::Empty)?;
        if !('0'..='6').contains(&kind) {
            return Err(DecodeError::UnknownType(kind));
        }
        if kind == '5' || kind == '6' {
            return Err(DecodeError::Binary);
        }
        let mut rest = &text[kind.len_utf8()..];
        let mut namespace = DEFAULT_NAMESPACE.to_owned();
        if rest.starts_with('/') {
            let end = rest.find(',').unwrap_or(rest.len());
            namespace = rest[..end].to_owned();
            rest = rest.get(end + 1..).unwrap_or("");
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let ack_id = if digits == 0 {
            None
        } else if digits > MAX_ACK_ID_DIGITS {
            return Err(DecodeError::BadAckId);
        } else {
            let id = rest[..digits].parse().map_err(|_| DecodeError::BadAckId)?;
            rest = &rest[digits..];
            Some(id)
        };
        let data: Option<Value> = if rest.is_empty() {
            None
        } else {
            Some(serde_json::from_str(rest).map_err(|_| DecodeError::NotJson)?)
        };
        let invalid = || DecodeError::InvalidPayload(kind);
        match kind {
            '0' => match data {
                None | Some(Value::Object(_)) if ack_id.is_none() => {
                    Ok(Self::Connect { namespace, data })
                }
                _ => Err(invalid()),
            },
            '1' if data.is_none() && ack_id.is_none() => Ok(Self::Disconnect { namespace }),
            '2' => match data {
                Some(Value::Array(mut items)) => match items.first() {
                    Some(Value::String(_)) => {
                        let name = match items.remove(0) {
                            Value::String(name) => name,
                            _ => return Err(invalid()),
                        };
                        Ok(Self::Event {
                            namespace,
                            ack_id,
                            name,
                            args: items,
                        })
                    }
                    _ => Err(invalid()),
                },
                _ => Err(invalid()),
            },
            '3' => match (data, ack_id) {
                (Some(Value::Array(args)), Some(ack_id)) => Ok(Self::Ack {
                    namespace,
                    ack_id,
                    args,
                }),
                _ => Err(invalid()),
            },
            '4' => match data {
                Some(data @ (Value::Object(_) | Value::String(_))) if ack_id.is_none() => {
                    Ok(Self::ConnectError { namespace, data })
                }
                _ => Err(invalid()),
            },
            _ => Err(invalid()),
        }
    }

    /// The packet's text (what follows the Engine.IO `4`).
    pub fn encode(&self) -> String {
        let (kind, namespace) = match self {
            Self::Connect { namespace, .. } => ('0', namespace),
            Self::Disconnect { namespace } => ('1', namespace),
            Self::Event { namespace, .. } => ('2', namespace),
            Self::Ack { namespace, .. } => ('3', namespace),
            Self::ConnectError { namespace, .. } => ('4', namespace),
        };
        let mut out = String::from(kind);
        if namespace != DEFAULT_NAMESPACE {
            out.push_str(namespace);
            out.push(',');
        }
        match self {
            Self::Connect { data, .. } => {
                if let Some(data) = data {
                    out.push_str(&data.to_string());
                }
            }
            Self::Disconnect { .. } => {}
            Self::Event {
                ack_id, name, args, ..
            } => {
                if let Some(id) = ack_id {
                    out.push_str(&id.to_string());
                }
                let mut items = Vec::with_capacity(args.len() + 1);
                items.push(Value::String(name.clone()));
                items.extend(args.iter().cloned());
                out.push_str(&Value::Array(items).to_string());
            }
            Self::Ack { ack_id, args, .. } => {
                out.push_str(&ack_id.to_string());
                out.push_str(&Value::Array(args.clone()).to_string());
            }
            Self::ConnectError { data, .. } => out.push_str(&data.to_string()),
        }
        out
    }

    /// An event on the default namespace, no ack.
    pub fn event(name: &str, args: Vec<Value>) -> Self {
        Self::Event {
            namespace: DEFAULT_NAMESPACE.into(),
            ack_id: None,
            name: name.into(),
            args,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_frontends_events_decode_with_their_arguments() {
        let join = Packet::decode(r#"2["chatRoom","g-1","u-1"]"#).expect("event");
        assert_eq!(
            join,
            Packet::Event {
                namespace: "/".into(),
                ack_id: None,
                name: "chatRoom".into(),
                args: vec![json!("g-1"), json!("u-1")],
            }
        );
        let logged_out = Packet::decode(r#"2["chatRoom","g-1",null]"#).expect("event");
        assert!(matches!(logged_out, Packet::Event { args, .. } if args[1].is_null()));
    }

    #[test]
    fn connect_disconnect_namespaces_and_ack_ids_are_read() {
        assert_eq!(
            Packet::decode("0"),
            Ok(Packet::Connect {
                namespace: "/".into(),
                data: None
            })
        );
        assert_eq!(
            Packet::decode(r#"0/admin,{"token":"x"}"#),
            Ok(Packet::Connect {
                namespace: "/admin".into(),
                data: Some(json!({"token": "x"}))
            })
        );
        assert_eq!(
            Packet::decode("1/admin,"),
            Ok(Packet::Disconnect {
                namespace: "/admin".into()
            })
        );
        assert_eq!(
            Packet::decode(r#"2/chat,12["hi"]"#),
            Ok(Packet::Event {
                namespace: "/chat".into(),
                ack_id: Some(12),
                name: "hi".into(),
                args: vec![],
            })
        );
        assert_eq!(
            Packet::decode(r#"37["ok"]"#),
            Ok(Packet::Ack {
                namespace: "/".into(),
                ack_id: 7,
                args: vec![json!("ok")]
            })
        );
    }

    #[test]
    fn server_packets_encode_as_the_client_expects() {
        let ack = Packet::Connect {
            namespace: "/".into(),
            data: Some(json!({"sid": "abc"})),
        };
        assert_eq!(ack.encode(), r#"0{"sid":"abc"}"#);
        let refused = Packet::ConnectError {
            namespace: "/nope".into(),
            data: json!({"message": "Invalid namespace"}),
        };
        assert_eq!(
            refused.encode(),
            r#"4/nope,{"message":"Invalid namespace"}"#
        );
        let list = Packet::event("chatList", vec![json!([])]);
        assert_eq!(list.encode(), r#"2["chatList",[]]"#);
        assert_eq!(Packet::decode(&list.encode()), Ok(list));
    }

    #[test]
    fn binary_packets_are_refused() {
        assert_eq!(
            Packet::decode(r#"51-["upload",{"_placeholder":true,"num":0}]"#),
            Err(DecodeError::Binary)
        );
        assert_eq!(Packet::decode(r#"61-0[]"#), Err(DecodeError::Binary));
    }

    #[test]
    fn malformed_packets_are_refused() {
        assert_eq!(Packet::decode(""), Err(DecodeError::Empty));
        assert_eq!(Packet::decode("7"), Err(DecodeError::UnknownType('7')));
        assert_eq!(Packet::decode("x"), Err(DecodeError::UnknownType('x')));
        assert_eq!(Packet::decode("2[\"a\""), Err(DecodeError::NotJson));
        assert_eq!(
            Packet::decode("2{\"a\":1}"),
            Err(DecodeError::InvalidPayload('2'))
        );
        assert_eq!(Packet::decode("2[]"), Err(DecodeError::InvalidPayload('2')));
        assert_eq!(
            Packet::decode("2[1,2]"),
            Err(DecodeError::InvalidPayload('2'))
        );
        assert_eq!(Packet::decode("2"), Err(DecodeError::InvalidPayload('2')));
        assert_eq!(
            Packet::decode("0[1]"),
            Err(DecodeError::InvalidPayload('0'))
        );
        assert_eq!(Packet::decode("1{}"), Err(DecodeError::InvalidPayload('1')));
        assert_eq!(Packet::decode("3[]"), Err(DecodeError::InvalidPayload('3')));
        assert_eq!(
            Packet::decode("21234567890123456[\"a\"]"),
            Err(DecodeError::BadAckId)
        );
        assert_eq!(Packet::decode("2안녕"), Err(DecodeError::NotJson));
    }
}
