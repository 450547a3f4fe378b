//! A YAML reader that keeps the line of every mapping key (on top of yaml-rust2's event
//! parser). Scalars stay strings (`true` is `"true"`), except plain empty / `null` / `~`
//! which are `Null`. Aliases read as `Null` (pnpm and yarn write none).

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::common::{Entry, Map, Node};

const MAX_DEPTH: usize = 128;

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
    Seq(Vec<Node>),
    Map(Map, Option<(String, usize)>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    docs: Vec<Node>,
    error: Option<Error>,
}

impl Builder {
    fn insert(&mut self, value: Node, mark: Marker) {
        match self.stack.last_mut() {
            None => self.docs.push(value),
            Some(Frame::Seq(items)) => items.push(value),
            Some(Frame::Map(map, pending)) => match pending.take() {
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
            Event::Scalar(v, style, _, _) => {
                let node = if style == TScalarStyle::Plain && (v.is_empty() || v == "null" || v == "~") {
                    Node::Null
                } else {
                    Node::String(v)
                };
                self.insert(node, mark);
            }
            Event::Alias(_) => self.insert(Node::Null, mark),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.error = Some(Error { line: mark.line().max(1), message: "nesting is too deep".into() });
                    return;
                }
                self.stack.push(if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new())
                } else {
                    Frame::Map(Map::default(), None)
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::Seq(items)) => Node::Array(items),
                    Some(Frame::Map(map, _)) => Node::Map(map),
                    None => return,
                };
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
}
