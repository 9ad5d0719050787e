//! Reading a `[[sources]]` entry with every unknown key refused.
//!
//! The transport's keys sit flat beside the common ones (`name`, `decoder`,
//! …), which serde's `flatten` allows only by accepting any key at all; a
//! misspelt `lisen` or `client_crt` would then be dropped silently. Here the
//! common keys are taken out first and the rest must be exactly the
//! transport's.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::decode::Decoder;
use crate::source::{SourceConfig, Transport};

/// The keys every source has, whatever its transport.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Common {
    name: String,
    decoder: Decoder,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    timezone: Option<String>,
}

const COMMON_KEYS: [&str; 4] = ["name", "decoder", "site", "timezone"];

impl<'de> Deserialize<'de> for SourceConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut rest = Map::<String, Value>::deserialize(deserializer)?;
        let name = rest.get("name").and_then(Value::as_str).unwrap_or("?").to_owned();
        let common: Map<String, Value> =
            COMMON_KEYS.iter().filter_map(|key| rest.remove(*key).map(|v| ((*key).to_owned(), v))).collect();
        let in_source = |err: serde_json::Error| D::Error::custom(format!("source {name:?}: {err}"));
        let given_decoder_keys: Vec<String> =
            common.get("decoder").and_then(Value::as_object).map(|d| d.keys().cloned().collect()).unwrap_or_default();
        let common: Common = serde_json::from_value(Value::Object(common)).map_err(in_source)?;
        // serde lets a parser without options (`syslog`) ignore any other
        // key; what the decoder does not write back, it did not read.
        let read = serde_json::to_value(&common.decoder).map_err(in_source)?;
        if let Some(unknown) = given_decoder_keys.iter().find(|k| read.get(k.as_str()).is_none()) {
            return Err(D::Error::custom(format!("source {name:?}: unknown key `{unknown}` in decoder")));
        }
        let transport: Transport = serde_json::from_value(Value::Object(rest)).map_err(in_source)?;
        Ok(SourceConfig {
            name: common.name,
            transport,
            decoder: common.decoder,
            site: common.site,
            timezone: common.timezone,
        })
    }
}
