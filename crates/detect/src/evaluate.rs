//! Evaluating one event against a [`RuleSet`]: the prefiltered path used
//! everywhere, and the plain-library path it is checked and measured against.

use std::collections::BTreeSet;

use rsigma_eval::{Engine, EvaluationResult};
use rsigma_parser::LogSource;
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
        self.prefilter.run(&self.compiled, &self.routes, groups.as_slice(), view, &mut |_, r| out.push(r));
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
        self.prefilter.run(rules, &self.routes, groups.as_slice(), &view, &mut |i, _| {
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

    /// The same as [`RuleSet::matches`] computed by `rsigma-eval` used
    /// plainly, without SafeCare's prefilter: one
    /// `Engine::evaluate_with_logsource` call per category of the event
    /// (strict logsource). Kept as the reference the prefilter is tested and
    /// benchmarked against; sorted by id.
    pub fn matches_plain(&self, event: &Event) -> Vec<&str> {
        let view = FieldView::new(event);
        let parts = RouteParts::of(event, &view);
        let mut logsource = LogSource {
            product: parts.product.as_deref().map(str::to_owned),
            service: parts.service.as_deref().map(str::to_owned),
            ..LogSource::default()
        };
        let mut categories: Vec<Option<&str>> = parts.categories().map(Some).collect();
        if categories.is_empty() {
            categories.push(None);
        }
        let engine = self.plain.get_or_init(|| {
            let mut engine = Engine::new();
            engine.extend_compiled_rules(self.compiled.iter().cloned());
            engine
        });
        let mut ids = BTreeSet::new();
        for category in categories {
            logsource.category = category.map(str::to_owned);
            for result in engine.evaluate_with_logsource(&view, &logsource) {
                if let Some((id, _)) = result.header.rule_id.as_deref().and_then(|id| self.meta.get_key_value(id)) {
                    ids.insert(id.as_str());
                }
            }
        }
        ids.into_iter().collect()
    }
}
