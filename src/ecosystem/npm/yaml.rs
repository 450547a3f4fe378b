//! A YAML reader that keeps the line of every mapping key (on top of yaml-rust2's event
//! parser). Scalars stay strings (`true` is `"true"`), except plain empty / `null` / `~`
//! which are `Null`. An alias reads as a copy of its anchored node (compose files share
//! settings that way; pnpm and yarn write none), within a budget that stops alias bombs.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::common::{Entry, Map, Node};

const MAX_DEPTH: usize = 128;
/// Nodes that aliases may copy in one text, all aliases together.
const MAX_ALIAS_NODES: usize = 100_000;

#[derive(Debug)]
pub(crate) struct Error {
    pub(crate) line: usize,
    pub(crate) message: String,
}

pub(crate) fn parse(text: &str) -> Result<Vec<Node>, Error> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut b, true).map_err(|e| Error { line: e.marker().line().max(1), message: e.info().to_string() })?;
    if let Some(e) = b.error {
        return Err(e);
    }
    Ok(b.docs)
}

enum Frame {
    Seq(Vec<Node>, usize),
    Map(Map, Option<(String, usize)>, usize),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    docs: Vec<Node>,
    error: Option<Error>,
    anchors: std::collections::HashMap<usize, Node>,
    alias_nodes: usize,
}

fn node_count(n: &Node) -> usize {
    match n {
        Node::Array(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Node::Map(m) => 1 + m.entries.iter().map(|e| node_count(&e.value)).sum::<usize>(),
        _ => 1,
    }
}

impl Builder {
    fn insert(&mut self, value: Node, mark: Marker) {
        match self.stack.last_mut() {
            None => self.docs.push(value),
            Some(Frame::Seq(items, _)) => items.push(value),
            Some(Frame::Map(map, pending, _)) => match pending.take() {
                Some((key, line)) => map.entries.push(Entry { key, offset: 0, line, value }),
                None => match value {
                    Node::String(k) | Node::Number(k) => {
                        *pending = Some((k, mark.line().max(1)));
                    }
                    Node::Null => *pending = Some((String::new(), mark.line().max(1))),
                    _ => {
                        if self.error.is_none() {
                            self.error = Some(Error {
                                line: mark.line().max(1),
                                message: "complex mapping keys are not supported".into(),
                            });
                        }
                        *pending = Some((String::new(), mark.line().max(1)));
                    }
                },
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match ev {
            Event::Scalar(v, style, anchor, _) => {
                let node = if style == TScalarStyle::Plain && (v.is_empty() || v == "null" || v == "~") {
                    Node::Null
                } else {
                    Node::String(v)
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.insert(node, mark);
            }
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().unwrap_or(Node::Null);
                self.alias_nodes += node_count(&node);
                if self.alias_nodes > MAX_ALIAS_NODES {
                    self.error =
                        Some(Error { line: mark.line().max(1), message: "aliases expand to too many nodes".into() });
                    return;
                }
                self.insert(node, mark);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.error = Some(Error { line: mark.line().max(1), message: "nesting is too deep".into() });
                    return;
                }
                self.stack.push(if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new(), anchor)
                } else {
                    Frame::Map(Map::default(), None, anchor)
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq(items, a)) => (Node::Array(items), a),
                    Some(Frame::Map(map, _, a)) => (Node::Map(map), a),
                    None => return,
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.insert(node, mark);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_lines_are_one_based_key_lines() {
        let docs = parse("a:\n  b: 1\n  'c@1': {x: y}\n").unwrap();
        let m = docs[0].as_map().unwrap();
        assert_eq!(m.entries[0].line, 1);
        let inner = m.entries[0].value.as_map().unwrap();
        assert_eq!((inner.entries[0].key.as_str(), inner.entries[0].line), ("b", 2));
        assert_eq!((inner.entries[1].key.as_str(), inner.entries[1].line), ("c@1", 3));
    }

    #[test]
    fn aliases_copy_their_anchor_within_a_budget() {
        use std::fmt::Write as _;
        let docs = parse("a: &x {k: v}\nb: *x\n").unwrap();
        let b = docs[0].as_map().unwrap().entry("b").unwrap();
        assert_eq!(b.value.as_map().unwrap().entry("k").unwrap().value.as_str(), Some("v"));
        // Each level doubles the one before: 2^20 nodes from a few lines.
        let mut bomb = String::from("l0: &l0 [x, x]\n");
        for i in 1..=20 {
            let _ = writeln!(bomb, "l{i}: &l{i} [*l{p}, *l{p}]", p = i - 1);
        }
        assert!(parse(&bomb).unwrap_err().message.contains("too many"));
    }
}
