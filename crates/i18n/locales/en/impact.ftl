# Impact of an incident on clinical services: the scale, the graph, the
# service and mitigation tables.

impact-level-none = none
impact-level-low = low
impact-level-moderate = moderate
impact-level-severe = severe
impact-level-critical = critical

impact-heading = Impact on clinical services
impact-not-assessed = Not assessed: the incident has no threat type or concerns no known asset yet.
impact-assessed = { $threat } on { $assets }, assessed { $time }. { $count ->
    [0] No service impacted.
    [one] One service impacted.
   *[other] { $count } services impacted.
}
impact-drawn-worst = The { $count } worst are drawn; all are listed below.
impact-graph-region = Impact graph
impact-graph-label = { $count ->
    [one] One impacted service
   *[other] { $count } impacted services
} and the assets on their paths; worst: { $worst }
impact-worst-path = Thick line: the worst path, from the attacked { $from } to { $service }:
impact-graph-boxes = Rounded, bold boxes are clinical services; each box gives its level and score.
impact-graph-service = service
impact-graph-on-worst-path = on the worst path
impact-score = score
impact-no-service = No clinical service is impacted.

impact-scale-summary = What the levels mean
impact-scale-meaning = A score is the share of a service's capacity the incident is expected to take away (or, for confidentiality and safety, how exposed it is): 1 is the whole service at once, 0.5 half of it. It shrinks along the path with each dependency's share and each asset's protections.
impact-scale-critical = 0.75 and above: the service is lost or nearly so.
impact-scale-severe = 0.50 to 0.75: most of the service is lost.
impact-scale-moderate = 0.25 to 0.50: a noticeable share of the service is lost.
impact-scale-low = 0.05 to 0.25: the service works, slowed or exposed at the margin. Below 0.05 is none and is not followed.

impact-tables-heading = Impacted services and mitigations
impact-services-caption = Impacted services, worst first, one row per service
impact-col-service = Service
impact-col-level = Level (score)
impact-col-types = Impact types
impact-col-in-about = In about
impact-minutes = { $minutes } min

impact-mitigations-caption = Mitigations, best reduction of the impact on services first
impact-mitigations-none-reduce = No mitigation lowers the assessed impact.
impact-mitigations-show-all = Show all: { $count ->
    [one] one more mitigation
   *[other] { $count } more mitigations
} with no measured reduction
impact-mitigations-no-reduction-why = These lower nothing the model measures: the harm they answer is already done (a device already tampered with), or they stop what comes next rather than what is assessed. Their safety flags still apply.
impact-mitigations-idle-caption = Mitigations with no measured reduction
impact-col-mitigation = Mitigation
impact-col-reduction = Reduction
impact-col-safety = Patient safety
impact-safety-risk = risk
impact-safety-none = no risk found
impact-targets = on { $assets }
impact-targets-more = on { $assets } and { $count } more

impact-responder-caption = Clinical services hit
