//! Who is asking: an authenticated person and the roles they hold (the
//! roles themselves are the model's).
//!
//! The server authenticates people; this crate only needs to know who they
//! are and which roles they hold to decide a re-identification request.

pub use safecare_model::Role;
use serde::{Deserialize, Serialize};

/// An authenticated person (or sensor) and the roles they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The unique login name; audit entries record it.
    pub name: String,
    /// The roles they hold.
    pub roles: Vec<Role>,
}

impl Actor {
    /// An actor named `name` holding `roles`.
    pub fn new(name: impl Into<String>, roles: impl IntoIterator<Item = Role>) -> Self {
        Actor { name: name.into(), roles: roles.into_iter().collect() }
    }

    /// Whether the actor holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}
