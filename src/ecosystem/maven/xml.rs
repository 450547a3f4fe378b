//! A small, defensive XML reader for the Maven and Gradle documents depgate reads
//! (POMs, `maven-metadata.xml`, `verification-metadata.xml`).
//!
//! Owns: turning XML text into a tree of elements with their attributes, text and byte
//! offsets, on top of quick-xml's streaming reader.
//! Must not: expand anything but the five predefined entities and character references
//! (any other named entity reads as U+FFFD, as no DTD can define it).
//! A `<!DOCTYPE …>` is refused outright: none of these formats needs one, and refusing it
//! closes the door on external entities (XXE) and entity-expansion bombs. Never panics on
//! malformed input; nesting is bounded so that a hostile document cannot exhaust the stack
//! when the tree is dropped.

use quick_xml::encoding::Decoder;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

/// Deepest element nesting accepted. Real POMs nest about 10 levels.
const MAX_DEPTH: usize = 128;

/// One element: local name (namespace prefix dropped), attributes, direct text, children.
#[derive(Debug, Clone, Default)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// Concatenated text and CDATA directly inside this element, entities resolved.
    pub text: String,
    /// Byte offset of the `<` that opens the element.
    pub offset: usize,
}

impl Element {
    /// The value of an attribute by its (local) name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child element called `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Trimmed text of the first child called `name`, `None` when absent or blank.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_string()).filter(|t| !t.is_empty())
    }
}

/// Why a document could not be read; `offset` is a byte offset into the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XmlError {
    pub offset: usize,
    pub message: String,
}

impl XmlError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        Self { offset, message: message.into() }
    }
}

/// Decodes document bytes: UTF-8 (an optional BOM is dropped), or ISO-8859-1 when the XML
/// declaration says so (old POMs). Anything else is refused rather than guessed.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, XmlError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
            let latin1 = head.starts_with("<?xml")
                && ["iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252"].iter().any(|enc| {
                    head.contains(&format!("encoding=\"{enc}\"")) || head.contains(&format!("encoding='{enc}'"))
                });
            if latin1 {
                Ok(bytes.iter().map(|&b| char::from(b)).collect())
            } else {
                Err(XmlError::new(e.valid_up_to(), "the document is not UTF-8 and declares no encoding depgate reads"))
            }
        }
    }
}

/// Parses a whole document and returns its root element.
pub(crate) fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            XmlError::new(usize::try_from(reader.error_position()).unwrap_or(at), format!("malformed XML: {e}"))
        })?;
        match event {
            Event::DocType(_) => {
                return Err(XmlError::new(
                    at,
                    "the document has a <!DOCTYPE> declaration; depgate refuses DTDs (no entity expansion, no external entities)",
                ));
            }
            Event::Start(start) => {
                if root.is_some() {
                    return Err(XmlError::new(at, "content after the root element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::new(at, format!("elements nest deeper than {MAX_DEPTH} levels")));
                }
                stack.push(element(&start, at, reader.decoder())?);
            }
            Event::Empty(start) => {
                if root.is_some() {
                    return Err(XmlError::new(at, "content after the root element"));
                }
                let el = element(&start, at, reader.decoder())?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(XmlError::new(at, "a closing tag without an opening one"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| XmlError::new(at, format!("bad text: {e}")))?;
                push_text(&mut stack, &s, at)?;
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| XmlError::new(at, format!("bad CDATA: {e}")))?;
                push_text(&mut stack, &s, at)?;
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| XmlError::new(at, format!("bad character reference: {e}")))?
                        .map(String::from)
                } else {
                    let name = r.decode().map_err(|e| XmlError::new(at, format!("bad entity reference: {e}")))?;
                    // Old POMs on Maven Central use HTML entities (`&oslash;` in a
                    // developer's name) that Maven's own lenient parser accepts. With no
                    // DTD nothing defines them: they read as U+FFFD, never expanded.
                    Some(predefined(&name).unwrap_or("\u{FFFD}").to_string())
                };
                let Some(s) = resolved else {
                    return Err(XmlError::new(at, "an entity reference that is not one of XML's predefined entities"));
                };
                push_text(&mut stack, &s, at)?;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(XmlError::new(text.len(), format!("the document ends inside <{}>", open.name)));
    }
    root.ok_or_else(|| XmlError::new(0, "the document has no root element"))
}

fn push_text(stack: &mut [Element], s: &str, at: usize) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(el) => el.text.push_str(s),
        None if s.trim().is_empty() => {}
        None => return Err(XmlError::new(at, "text outside the root element")),
    }
    Ok(())
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return None,
    })
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    match name.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => name.into_owned(),
    }
}

fn element(start: &BytesStart<'_>, at: usize, decoder: Decoder) -> Result<Element, XmlError> {
    let mut el = Element { name: local(start.local_name().as_ref()), offset: at, ..Element::default() };
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError::new(at, format!("malformed attribute: {e}")))?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        let value = attr
            .decode_and_unescape_value(decoder)
            .map_err(|e| XmlError::new(at, format!("attribute `{key}`: {e}")))?;
        el.attrs.push((key, value.into_owned()));
    }
    Ok(el)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_attributes_and_entities() {
        let doc = parse("<?xml version='1.0'?><a x=\"1&amp;2\"><b>t&lt;&#65;<![CDATA[<c>]]></b><c/></a>").unwrap();
        assert_eq!(doc.name, "a");
        assert_eq!(doc.attr("x"), Some("1&2"));
        assert_eq!(doc.child_text("b").as_deref(), Some("t<A<c>"));
        assert!(doc.child("c").is_some());
    }

    #[test]
    fn refuses_doctype_custom_entities_and_garbage() {
        let bomb =
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><a>&lol2;</a>";
        assert!(parse(bomb).unwrap_err().message.contains("DOCTYPE"));
        // Undefined entities (HTML's, in old POMs) are not expanded: they read as U+FFFD.
        assert_eq!(parse("<a>Bj&oslash;rn &custom;</a>").unwrap().text, "Bj\u{FFFD}rn \u{FFFD}");
        assert!(parse("<a x=\"&custom;\"/>").is_err());
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse("").is_err());
        assert!(parse("<a/><b/>").is_err());
        assert!(parse(&"<a>".repeat(1000)).is_err());
    }

    #[test]
    fn decodes_latin1_only_when_declared() {
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>";
        assert_eq!(parse(&decode(latin).unwrap()).unwrap().text, "caf\u{e9}");
        assert!(decode(b"<a>caf\xe9</a>").is_err());
        assert_eq!(decode(b"\xEF\xBB\xBF<a/>").unwrap(), "<a/>");
    }
}
