//! Person names in what a hunt prints. Files read by a hunt were never
//! pseudonymised, so the user an alert names would be printed in clear;
//! it is printed as a token under a key made for this run instead: the
//! same person has the same token throughout the output (so the output
//! still correlates) and the token matches nothing outside it.

use safecare_model::{Alert, AlertNode};
use safecare_privacy::{FieldKind, PseudonymConfig, Pseudonymiser, SecretKey};

pub struct Persons(Pseudonymiser);

impl Persons {
    pub fn for_this_run() -> anyhow::Result<Self> {
        Ok(Persons(Pseudonymiser::new(&SecretKey::generate()?, &PseudonymConfig::default())))
    }

    /// `alert` with every person it names replaced by a token.
    pub fn hide(&self, alert: &Alert) -> Alert {
        let mut alert = alert.clone();
        for node in alert.source.iter_mut().chain(alert.target.iter_mut()).chain(alert.sensor.iter_mut()) {
            self.hide_node(node);
        }
        alert
    }

    /// A user name as its token.
    pub fn user(&self, name: &str) -> String {
        self.0.pseudonymise_value(FieldKind::User, name).unwrap_or_else(|| name.to_owned())
    }

    fn hide_node(&self, node: &mut AlertNode) {
        if let Some(user) = node.user.take() {
            node.user = Some(self.user(&user));
        }
    }
}
