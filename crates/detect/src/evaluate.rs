//! Evaluating one event against a [`RuleSet`]: routing, the prefilter, then
//! `rsigma-eval` on the rules left. [`crate::reference`] is the plain
//! library it is checked and measured against.

use rsigma_eval::{EvaluationResult, evaluate_rule};
use safecare_model::Event;

use crate::route::RouteParts;
use crate::ruleset::RuleSet;
use crate::view::FieldView;

impl RuleSet {
    /// The raw detection matches of one event: logsource routing, then the
    /// prefilter, then `rsigma-eval` on the rules left; in rule order.
    pub(crate) fn evaluate(&self, view: &FieldView<'_>, parts: &RouteParts<'_>) -> Vec<EvaluationResult> {
        let mut out = Vec::new();
        let groups = self.routes.groups_of(parts);
        // Only a match is evaluated again for its details (which fields
        // matched), as the library itself does.
        let rules = &self.compiled;
        self.prefilter.run(rules, &self.routes, groups.as_slice(), view, &mut |i| {
            if let Some(result) = rules.get(i).and_then(|rule| evaluate_rule(rule, view)) {
                out.push(result);
            }
        });
        out
    }

    /// Ids of the detection rules `event` matches (correlations are not
    /// run, building blocks included), in load order. This is evaluation
    /// alone: no alerts are built.
    pub fn matches(&self, event: &Event) -> Vec<&str> {
        let view = FieldView::new(event);
        let parts = RouteParts::of(event, &view);
        let groups = self.routes.groups_of(&parts);
        let rules = &self.compiled;
        let mut out = Vec::new();
        self.prefilter.run(rules, &self.routes, groups.as_slice(), &view, &mut |i| {
            if let Some(id) = rules.get(i).and_then(|r| r.id.as_deref()) {
                out.push(id);
            }
        });
        out
    }

    /// How many detection rules the prefilter can skip on some events (the
    /// others have no literal it can check and are evaluated for every
    /// event of their logsource), out of how many.
    pub fn prefiltered_rules(&self) -> (usize, usize) {
        (self.prefilter.anchored(), self.compiled.len())
    }
}
