//! The impact of an incident as a graph: the assets on the paths that reach
//! impacted clinical services, laid out on the server in columns by path
//! depth (seeds on the left, services towards the right), the worst
//! service's path drawn thick and every service boxed heavier. Each node
//! names its asset (wrapped on two lines, never cut mid-word) and its score
//! with the score's word, so neither colour nor line weight is the only
//! signal.

use std::collections::{HashMap, HashSet};

use maud::{Markup, html};
use safecare_i18n::Locale;
use safecare_impact::{ImpactLevel, ImpactReport};
use safecare_model::{Asset, AssetKind, Relation};

use super::incident_impact::level_word;

/// Horizontal distance between columns, and a node's size, in pixels.
const COLUMN: f64 = 200.0;
const NODE_W: f64 = 172.0;
const NODE_H: f64 = 48.0;
const ROW: f64 = 58.0;
const MARGIN: f64 = 8.0;
/// Characters per label line: what fits in a node at the graph's 11 px
/// font. A name takes two lines at most; a longer one ends in "…" (the
/// full name is in the node's title).
const LINE_CHARS: usize = 26;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub asset: String,
    pub name: String,
    /// The highest score the asset has on any drawn path (impact graphs).
    pub score: Option<f64>,
    pub service: bool,
    pub worst: bool,
    pub column: usize,
    pub row: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    /// The relation crossed, as the inventory names it.
    pub relation: String,
    pub worst: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Graph {
    /// Builds the graph of the best path of each of the `services` worst
    /// impacted services; `names` gives display names for assets the report
    /// does not name.
    pub fn of(report: &ImpactReport, names: &HashMap<String, String>, services: usize) -> Graph {
        let mut graph = Graph::default();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let shown = &report.services[..services.min(report.services.len())];
        let services: HashSet<&str> = report.services.iter().map(|s| s.asset.as_str()).collect();
        let mut seen_edges: HashSet<(usize, usize)> = HashSet::new();
        for (rank, service) in shown.iter().enumerate() {
            let worst = rank == 0;
            let mut previous: Option<usize> = None;
            for step in &service.path {
                let at = *index.entry(step.asset.as_str()).or_insert_with(|| {
                    let name = report
                        .get(&step.asset)
                        .map(|a| a.name.to_string())
                        .or_else(|| names.get(step.asset.as_str()).cloned())
                        .unwrap_or_else(|| step.asset.to_string());
                    graph.nodes.push(Node {
                        asset: step.asset.to_string(),
                        name,
                        score: Some(step.score),
                        service: services.contains(step.asset.as_str()),
                        worst: false,
                        column: 0,
                        row: 0,
                    });
                    graph.nodes.len() - 1
                });
                let node = &mut graph.nodes[at];
                node.score = Some(node.score.map_or(step.score, |s| s.max(step.score)));
                node.worst |= worst;
                if let Some(from) = previous
                    && from != at
                {
                    if seen_edges.insert((from, at)) {
                        let relation = step.via.as_ref().map(|v| v.relation.as_str().to_owned()).unwrap_or_default();
                        graph.edges.push(Edge { from, to: at, relation, worst });
                    } else if worst && let Some(edge) = graph.edges.iter_mut().find(|e| (e.from, e.to) == (from, at)) {
                        edge.worst = true;
                    }
                }
                previous = Some(at);
            }
        }
        graph.place();
        graph
    }

    /// One asset with what relates to it (left) and what it relates to
    /// (right), each edge named by its relation: the dependency graph
    /// around an asset on its page.
    pub fn around(asset: &Asset, assets: &[Asset], relations: &[Relation]) -> Graph {
        let incoming: Vec<&Relation> = relations.iter().filter(|r| r.to == asset.id && r.from != asset.id).collect();
        let outgoing: Vec<&Relation> = relations.iter().filter(|r| r.from == asset.id && r.to != asset.id).collect();
        let centre_column = usize::from(!incoming.is_empty());
        let mut graph = Graph::default();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut node = |graph: &mut Graph, id: &str, column: usize| -> usize {
            if let Some(&at) = index.get(id) {
                return at;
            }
            let found = assets.iter().find(|a| a.id == id);
            let row = graph.nodes.iter().filter(|n| n.column == column).count();
            graph.nodes.push(Node {
                asset: id.to_owned(),
                name: found.map_or_else(|| id.to_owned(), |a| a.name.clone()),
                score: None,
                service: found.is_some_and(|a| a.kind == AssetKind::Service),
                worst: false,
                column,
                row,
            });
            index.insert(id.to_owned(), graph.nodes.len() - 1);
            graph.nodes.len() - 1
        };
        let centre = node(&mut graph, &asset.id, centre_column);
        for r in incoming {
            let from = node(&mut graph, &r.from, 0);
            graph.edges.push(Edge { from, to: centre, relation: r.kind.as_str().to_owned(), worst: false });
        }
        for r in outgoing {
            let to = node(&mut graph, &r.to, centre_column + 1);
            graph.edges.push(Edge { from: centre, to, relation: r.kind.as_str().to_owned(), worst: false });
        }
        graph
    }

    /// Columns by longest path from a seed, bounded so that a cycle in the
    /// union of paths cannot push columns out forever; rows in order of
    /// first appearance, which puts the worst path on top.
    fn place(&mut self) {
        let bound = self.nodes.len().saturating_sub(1);
        let mut column = vec![0usize; self.nodes.len()];
        for _ in 0..self.nodes.len() {
            let mut moved = false;
            for edge in &self.edges {
                let wanted = (column[edge.from] + 1).min(bound);
                if column[edge.to] < wanted {
                    column[edge.to] = wanted;
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
        let mut rows: HashMap<usize, usize> = HashMap::new();
        for (node, column) in self.nodes.iter_mut().zip(column) {
            let row = rows.entry(column).or_insert(0);
            node.column = column;
            node.row = *row;
            *row += 1;
        }
    }

    fn size(&self) -> (f64, f64) {
        let columns = self.nodes.iter().map(|n| n.column + 1).max().unwrap_or(1);
        let rows = self.nodes.iter().map(|n| n.row + 1).max().unwrap_or(1);
        (2.0 * MARGIN + (columns - 1) as f64 * COLUMN + NODE_W, 2.0 * MARGIN + (rows - 1) as f64 * ROW + NODE_H)
    }
}

fn position(node: &Node) -> (f64, f64) {
    (MARGIN + node.column as f64 * COLUMN, MARGIN + node.row as f64 * ROW)
}

/// The name in at most two lines of [`LINE_CHARS`], broken between words
/// (a word longer than a line is broken where it must be).
fn lines(name: &str) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in name.split_whitespace() {
        let mut word: String = word.to_owned();
        loop {
            let line = lines.last_mut().map_or(0, |l| l.chars().count());
            let room = if line == 0 { LINE_CHARS } else { LINE_CHARS.saturating_sub(line + 1) };
            if word.chars().count() <= room {
                if let Some(last) = lines.last_mut() {
                    if line > 0 {
                        last.push(' ');
                    }
                    last.push_str(&word);
                }
                break;
            }
            if line == 0 {
                let head: String = word.chars().take(LINE_CHARS).collect();
                word = word.chars().skip(LINE_CHARS).collect();
                if let Some(last) = lines.last_mut() {
                    last.push_str(&head);
                }
            }
            lines.push(String::new());
        }
    }
    if lines.len() > 2 {
        lines.truncate(2);
        if let Some(second) = lines.get_mut(1) {
            let kept: String = second.chars().take(LINE_CHARS - 1).collect();
            *second = format!("{kept}…");
        }
    }
    lines.retain(|l| !l.is_empty());
    lines
}

/// The graph as an SVG figure; `label` is its text alternative.
pub fn draw(graph: &Graph, label: &str, locale: &Locale) -> Markup {
    let (width, height) = graph.size();
    html! {
        svg.impact-graph viewBox={ "0 0 " (width) " " (height) } width=(width) role="img" aria-label=(label) {
            defs {
                marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse" {
                    path d="M 0 0 L 10 5 L 0 10 z" {}
                }
            }
            @for edge in &graph.edges {
                @let (fx, fy) = position(&graph.nodes[edge.from]);
                @let (tx, ty) = position(&graph.nodes[edge.to]);
                @let (x1, y1, x2, y2) = (fx + NODE_W, fy + NODE_H / 2.0, tx, ty + NODE_H / 2.0);
                @let bend = ((x2 - x1).abs() / 2.0).max(30.0);
                path class={ "edge" @if edge.worst { " worst" } } marker-end="url(#arrow)"
                    d=(format!("M {x1:.1} {y1:.1} C {:.1} {y1:.1}, {:.1} {y2:.1}, {x2:.1} {y2:.1}", x1 + bend, x2 - bend))
                    data-from=(graph.nodes[edge.from].asset) data-to=(graph.nodes[edge.to].asset) {
                    title { (graph.nodes[edge.from].name) " " (edge.relation) " " (graph.nodes[edge.to].name) }
                }
            }
            @for node in &graph.nodes {
                @let (x, y) = position(node);
                @let score = node.score.map(|s| (locale.number(s, 2), level_word(locale, ImpactLevel::of(s))));
                g class={ "node" @if node.service { " service" } @if node.worst { " worst" } } data-asset=(node.asset) {
                    title {
                        (node.name) " (" (node.asset) ")"
                        @if let Some((figure, word)) = &score { ", " (locale.text("impact-score")) " " (figure) " (" (word) ")" }
                        @if node.service { ", " (locale.text("impact-graph-service")) }
                        @if node.worst { ", " (locale.text("impact-graph-on-worst-path")) }
                    }
                    rect x=(x) y=(y) width=(NODE_W) height=(NODE_H) rx=(if node.service { 12 } else { 3 }) {}
                    @for (i, line) in lines(&node.name).iter().enumerate() {
                        text x=(x + 6.0) y=(y + 14.0 + 13.0 * i as f64) { (line) }
                    }
                    text.score x=(x + 6.0) y=(y + 42.0) {
                        @if node.service { (locale.text("impact-graph-service")) @if score.is_some() { " · " } }
                        @if let Some((figure, word)) = &score { (word) " " (figure) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use safecare_i18n::{Language, Locale};
    use safecare_impact::{Assessor, Gamma, Inventory, RuleSet};

    use super::*;

    const HOSPITAL: &str = r#"
assets:
  - {id: srv, name: File server, kind: server}
  - {id: his, name: Hospital information system, kind: software}
  - {id: ed, name: Emergency department, kind: service}
  - {id: lab, name: Laboratory, kind: service}
relations:
  - {from: srv, to: his, kind: hosts}
  - {from: ed, to: his, kind: depends_on, class: data}
  - {from: lab, to: his, kind: depends_on, class: data}
"#;

    fn graph() -> Graph {
        let assessor = Assessor::new(Inventory::from_yaml(HOSPITAL).unwrap(), RuleSet::bundled(), Gamma::default());
        let report = assessor.assess("ransomware", &["srv"]).unwrap();
        Graph::of(&report, &HashMap::new(), 10)
    }

    #[test]
    fn paths_become_columns_from_the_seed_to_the_services() {
        let graph = graph();
        let column = |id: &str| graph.nodes.iter().find(|n| n.asset == id).unwrap().column;
        assert_eq!((column("srv"), column("his"), column("ed"), column("lab")), (0, 1, 2, 2));
        assert!(graph.nodes.iter().filter(|n| n.service).all(|n| n.asset == "ed" || n.asset == "lab"));
        // Both services share the first step; it is drawn once.
        assert_eq!(graph.edges.len(), 3, "{:?}", graph.edges);
        let worst: Vec<&str> = graph.nodes.iter().filter(|n| n.worst).map(|n| n.asset.as_str()).collect();
        assert_eq!(worst.len(), 3, "seed, system and the worst service: {worst:?}");
        assert_eq!(graph.edges.iter().filter(|e| e.worst).count(), 2);
        let rows: HashSet<(usize, usize)> = graph.nodes.iter().map(|n| (n.column, n.row)).collect();
        assert_eq!(rows.len(), graph.nodes.len(), "no two nodes share a place");
    }

    fn english() -> Locale {
        Locale::new(Language::En, jiff::tz::TimeZone::UTC)
    }

    #[test]
    fn the_drawing_labels_every_node_with_its_score_and_its_word() {
        let svg = draw(&graph(), "impact", &english()).into_string();
        assert!(svg.contains("Emergency department"), "{svg}");
        assert!(svg.contains("service · critical 0.90"), "{svg}");
        assert_eq!(svg.matches("class=\"edge worst\"").count(), 2);
        assert!(draw(&Graph::default(), "nothing", &english()).into_string().contains("viewBox"));
        let french = Locale::new(Language::Fr, jiff::tz::TimeZone::UTC);
        assert!(draw(&graph(), "impact", &french).into_string().contains("critique 0,90"));
    }

    #[test]
    fn only_the_worst_services_are_drawn() {
        let assessor = Assessor::new(Inventory::from_yaml(HOSPITAL).unwrap(), RuleSet::bundled(), Gamma::default());
        let report = assessor.assess("ransomware", &["srv"]).unwrap();
        let graph = Graph::of(&report, &HashMap::new(), 1);
        assert_eq!(graph.nodes.iter().filter(|n| n.service).count(), 1);
        assert!(graph.nodes.iter().all(|n| n.worst), "{:?}", graph.nodes);
    }

    #[test]
    fn an_assets_neighbourhood_puts_what_relates_to_it_left_and_what_it_relates_to_right() {
        let inventory = Inventory::from_yaml(HOSPITAL).unwrap();
        let his = inventory.asset("his").unwrap().clone();
        let graph = Graph::around(&his, inventory.assets(), inventory.relations());
        let column = |id: &str| graph.nodes.iter().find(|n| n.asset == id).unwrap().column;
        assert_eq!((column("srv"), column("ed"), column("lab"), column("his")), (0, 0, 0, 1));
        assert_eq!(graph.edges.len(), 3);
        assert!(graph.edges.iter().all(|e| graph.nodes[e.to].asset == "his"));
        let svg = draw(&graph, "around his", &english()).into_string();
        assert!(svg.contains("Emergency department") && !svg.contains("score 0"), "{svg}");
        assert!(svg.contains("<title>File server hosts Hospital information system</title>"), "{svg}");
        let srv = inventory.asset("srv").unwrap().clone();
        let graph = Graph::around(&srv, inventory.assets(), inventory.relations());
        assert_eq!(
            graph.nodes.iter().map(|n| (n.asset.as_str(), n.column)).collect::<Vec<_>>(),
            [("srv", 0), ("his", 1)]
        );
    }

    #[test]
    fn long_names_wrap_on_two_lines_between_words() {
        assert_eq!(lines("Lab"), ["Lab"]);
        assert_eq!(lines("Main building plant room (AHUs)"), ["Main building plant room", "(AHUs)"]);
        assert_eq!(
            lines("Pharmacy (medication supply) and its cold-chain storage of medicines"),
            ["Pharmacy (medication", "supply) and its cold-chai…"]
        );
        assert_eq!(lines("Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), ["Aaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaa"]);
        for name in ["Main building plant room (AHUs)", "Pharmacy (medication supply)", "Hospital information system"] {
            assert!(lines(name).iter().all(|l| l.chars().count() <= LINE_CHARS), "{name}");
            assert_eq!(lines(name).join(" "), name, "nothing is cut from names that fit two lines");
        }
    }
}
