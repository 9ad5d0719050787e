//! The names of the scenario format's stages and of the report's outcomes:
//! serde (YAML, JSON) and strum (table) agree, and none changes unnoticed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::str::FromStr;

use safecare_sim::Outcome;
use safecare_sim::scenario::Stage;

#[test]
fn stage_names() {
    let all = [(Stage::Know, "know"), (Stage::GetIn, "get_in"), (Stage::Find, "find"), (Stage::Exploit, "exploit")];
    for (stage, name) in all {
        assert_eq!(stage.to_string(), name);
        assert_eq!(serde_json::to_value(stage).unwrap(), name);
        assert_eq!(Stage::from_str(name).unwrap(), stage);
        assert_eq!(serde_json::from_value::<Stage>(name.into()).unwrap(), stage);
    }
}

#[test]
fn outcome_names() {
    let all = [
        (Outcome::Met, "met"),
        (Outcome::Late, "late"),
        (Outcome::Incomplete, "incomplete"),
        (Outcome::Missed, "missed"),
        (Outcome::NotScored, "not_scored"),
    ];
    for (outcome, name) in all {
        assert_eq!(outcome.to_string(), name);
        assert_eq!(serde_json::to_value(outcome).unwrap(), name);
        assert_eq!(Outcome::from_str(name).unwrap(), outcome);
    }
}
