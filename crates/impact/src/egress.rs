//! Doors people must be able to pass in an emergency: on an evacuation
//! route (`attributes.evacuation_route: true`) or giving emergency access
//! to responders (`attributes.emergency_access: true`). A mitigation that
//! locks such a door endangers patients and staff however much it lowers
//! the impact, so the what-if flags it.

use safecare_model::{Asset, AssetKind};

use crate::validate::Problem;

/// The attribute marking a door on an evacuation route.
pub const EVACUATION_ROUTE: &str = "evacuation_route";
/// The attribute marking a door responders come in through.
pub const EMERGENCY_ACCESS: &str = "emergency_access";

/// Why a door must stay passable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::Display)]
#[strum(serialize_all = "snake_case")]
pub enum DoorRole {
    /// On an evacuation route.
    EvacuationRoute,
    /// Responders come in through it.
    EmergencyAccess,
}

impl DoorRole {
    /// Both roles.
    pub const ALL: [DoorRole; 2] = [DoorRole::EvacuationRoute, DoorRole::EmergencyAccess];

    fn attribute(self) -> &'static str {
        match self {
            DoorRole::EvacuationRoute => EVACUATION_ROUTE,
            DoorRole::EmergencyAccess => EMERGENCY_ACCESS,
        }
    }

    /// Whether `asset` is a door with this role.
    pub fn holds(self, asset: &Asset) -> bool {
        asset.kind == AssetKind::Door
            && asset.attributes.get(self.attribute()).and_then(|v| v.as_bool()).unwrap_or(false)
    }
}

/// The problems of an asset's door-role attributes: not a boolean, or set
/// on something other than a door (where the safety check would miss it).
pub(crate) fn check(asset: &Asset, problems: &mut Vec<Problem>) {
    for role in DoorRole::ALL {
        let Some(value) = asset.attributes.get(role.attribute()) else { continue };
        let reason = if !value.is_boolean() {
            "must be true or false"
        } else if asset.kind != AssetKind::Door {
            "only applies to doors"
        } else {
            continue;
        };
        problems.push(Problem::BadDoorRole { asset: asset.id.clone(), attribute: role.attribute(), reason });
    }
}
