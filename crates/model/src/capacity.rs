//! What a clinical service can offer: its wards' beds and its staffing on
//! shift. The counts are the hospital's own (bed management and rostering
//! feed them); the impact assessment then says what of it still works.

use serde::{Deserialize, Serialize};

/// The kinds of beds regional coordinators count, after the bed types of
/// EDXL-HAVE (the HAvBED definitions).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
    strum::VariantArray,
)]
pub enum BedType {
    /// Adult intensive care.
    #[strum(serialize = "AdultICU")]
    AdultICU,
    /// Paediatric intensive care.
    #[strum(serialize = "PediatricICU")]
    PediatricICU,
    /// Neonatal intensive care.
    #[strum(serialize = "NeonatalICU")]
    NeonatalICU,
    /// Emergency department treatment spaces.
    #[strum(serialize = "EmergencyDepartment")]
    EmergencyDepartment,
    /// Newborn nursery.
    #[strum(serialize = "NurseryBeds")]
    NurseryBeds,
    /// General medical and surgical beds.
    #[strum(serialize = "MedicalSurgical")]
    MedicalSurgical,
    /// Rehabilitation and long-term care.
    #[strum(serialize = "RehabLongTermCare")]
    RehabLongTermCare,
    /// Burn unit.
    #[strum(serialize = "Burn")]
    Burn,
    /// Paediatric ward.
    #[strum(serialize = "Pediatrics")]
    Pediatrics,
    /// Adult psychiatry.
    #[strum(serialize = "AdultPsychiatric")]
    AdultPsychiatric,
    /// Paediatric psychiatry.
    #[strum(serialize = "PediatricPsychiatric")]
    PediatricPsychiatric,
    /// Negative-pressure isolation rooms.
    #[strum(serialize = "NegativeFlowIsolation")]
    NegativeFlowIsolation,
    /// Other isolation rooms.
    #[strum(serialize = "OtherIsolation")]
    OtherIsolation,
    /// Operating rooms (tables, counted as beds by HAVE).
    #[strum(serialize = "OperatingRooms")]
    OperatingRooms,
}

impl BedType {
    /// The name EDXL-HAVE and the inventory use (`AdultICU`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One ward (or unit) of a service and its beds now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ward {
    /// Stable within the service (`icu-a`).
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// What kind of beds it has.
    pub bed_type: BedType,
    /// Staffed, physically present beds.
    pub total: u32,
    /// Beds with a patient.
    pub occupied: u32,
    /// Beds ready for a patient now.
    pub available: u32,
    /// Beds out of use (cleaning, repair, isolation of a neighbour).
    #[serde(default)]
    pub blocked: u32,
}

/// One staff role of a service: how many are on shift and how many the
/// service needs to run at full capacity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staffing {
    /// What they are (`nurses`, `anaesthetists`).
    pub role: String,
    /// On shift now.
    pub on_shift: u32,
    /// Needed for full capacity.
    pub needed: u32,
}

impl Staffing {
    /// Fewer on shift than needed.
    pub fn is_short(&self) -> bool {
        self.on_shift < self.needed
    }
}

/// A service's beds and staffing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    /// Its wards and their beds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wards: Vec<Ward>,
    /// Its staff on shift.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staffing: Vec<Staffing>,
}

/// Why a capacity is inconsistent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    /// More beds accounted for than the ward has.
    #[error("ward `{ward}`: available {available} + occupied {occupied} + blocked {blocked} exceeds total {total}")]
    OverCounted {
        /// The ward's id.
        ward: String,
        /// Its total.
        total: u32,
        /// Its occupied beds.
        occupied: u32,
        /// Its available beds.
        available: u32,
        /// Its blocked beds.
        blocked: u32,
    },
    /// Two wards of one service share an id.
    #[error("ward `{0}` is listed twice")]
    DuplicateWard(String),
    /// A ward or staff role without a name.
    #[error("a ward id or staff role is empty")]
    EmptyName,
}

impl Capacity {
    /// Every inconsistency, each naming its ward.
    pub fn check(&self) -> Vec<CapacityError> {
        let mut problems = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for ward in &self.wards {
            if ward.id.trim().is_empty() {
                problems.push(CapacityError::EmptyName);
            } else if !seen.insert(ward.id.as_str()) {
                problems.push(CapacityError::DuplicateWard(ward.id.clone()));
            }
            let counted = u64::from(ward.available) + u64::from(ward.occupied) + u64::from(ward.blocked);
            if counted > u64::from(ward.total) {
                problems.push(CapacityError::OverCounted {
                    ward: ward.id.clone(),
                    total: ward.total,
                    occupied: ward.occupied,
                    available: ward.available,
                    blocked: ward.blocked,
                });
            }
        }
        if self.staffing.iter().any(|s| s.role.trim().is_empty()) {
            problems.push(CapacityError::EmptyName);
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ward(total: u32, occupied: u32, available: u32, blocked: u32) -> Ward {
        Ward { id: "w".into(), name: "W".into(), bed_type: BedType::AdultICU, total, occupied, available, blocked }
    }

    #[test]
    fn beds_accounted_for_may_not_exceed_the_total() {
        let fits = Capacity { wards: vec![ward(10, 6, 3, 1)], staffing: vec![] };
        assert!(fits.check().is_empty());
        let over = Capacity { wards: vec![ward(10, 6, 4, 1)], staffing: vec![] };
        let problems = over.check();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].to_string().contains("ward `w`"), "{}", problems[0]);
        let twice = Capacity { wards: vec![ward(1, 0, 1, 0), ward(1, 0, 1, 0)], staffing: vec![] };
        assert_eq!(twice.check(), [CapacityError::DuplicateWard("w".into())]);
    }

    #[test]
    fn bed_types_read_by_their_have_names() {
        let w: Ward = serde_json::from_str(
            r#"{"id":"a","name":"A","bed_type":"OperatingRooms","total":4,"occupied":1,"available":3}"#,
        )
        .unwrap();
        assert_eq!(w.bed_type, BedType::OperatingRooms);
        assert_eq!(w.blocked, 0);
        assert!(
            serde_json::from_str::<Ward>(
                r#"{"id":"a","name":"A","bed_type":"Sofa","total":1,"occupied":0,"available":1}"#
            )
            .is_err()
        );
        assert_eq!("AdultICU".parse::<BedType>().unwrap(), BedType::AdultICU);
    }
}
