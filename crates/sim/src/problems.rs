//! Everything wrong with a scenario, each problem named by where it is.

use std::fmt;

/// One problem: where (`steps[2] (usb)`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the scenario.
    pub place: String,
    /// What is wrong.
    pub message: String,
}

/// The problems found, all of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// A single problem.
    pub fn one(place: String, message: String) -> Problems {
        Problems(vec![Problem { place, message }])
    }

    /// Adds one.
    pub fn add(&mut self, place: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem { place: place.into(), message: message.into() });
    }

    /// Whether any was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages, each with its place, for tests and logs.
    pub fn lines(&self) -> Vec<String> {
        self.0.iter().map(|p| format!("{}: {}", p.place, p.message)).collect()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} problem(s) in the scenario", self.0.len())?;
        for line in self.lines() {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}
