package dev.depgate.gradle;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Comment;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Edits Gradle's {@code gradle/verification-metadata.xml} (schema 1.3) in place: adds sha256
 * entries and depgate comments, and keeps everything else (the {@code <configuration>},
 * entries and comments the team wrote) as it was. Pure: no Gradle types.
 */
final class VerificationXml {
    static final String NS = "https://schema.gradle.org/dependency-verification";
    static final String COMMENT_PREFIX = " depgate: ";
    private static final List<String> ATTRIBUTE_ORDER = Arrays.asList(
            "xmlns", "xmlns:xsi", "xsi:schemaLocation", "id", "group", "name", "version", "regex", "file", "value", "origin", "reason");

    private final Document doc;
    private final Element components;

    private VerificationXml(Document doc) {
        this.doc = doc;
        Element root = doc.getDocumentElement();
        Element found = child(root, "components");
        if (found == null) {
            found = doc.createElementNS(NS, "components");
            root.appendChild(found);
        }
        this.components = found;
    }

    /** Reads {@code file}, or starts a new document when it does not exist. */
    static VerificationXml load(File file) throws IOException {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        try {
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        } catch (ParserConfigurationException e) {
            factory.setExpandEntityReferences(false);
        }
        try {
            DocumentBuilder builder = factory.newDocumentBuilder();
            if (file.isFile()) {
                Document doc = builder.parse(file);
                Element root = doc.getDocumentElement();
                if (!"verification-metadata".equals(root.getLocalName()) || !NS.equals(root.getNamespaceURI())) {
                    throw new IOException(file + " is not a Gradle verification-metadata file (root element "
                            + root.getNodeName() + ")");
                }
                return new VerificationXml(doc);
            }
            String fresh = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    + "<verification-metadata xmlns=\"" + NS + "\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                    + "xsi:schemaLocation=\"" + NS + " https://schema.gradle.org/dependency-verification/dependency-verification-1.3.xsd\">"
                    + "<configuration><verify-metadata>false</verify-metadata><verify-signatures>false</verify-signatures></configuration>"
                    + "<components/></verification-metadata>";
            return new VerificationXml(builder.parse(new ByteArrayInputStream(fresh.getBytes(StandardCharsets.UTF_8))));
        } catch (SAXException e) {
            throw new IOException("cannot parse " + file + ": " + e.getMessage()
                    + " (fix the XML or move the file away to start a new one)", e);
        } catch (ParserConfigurationException e) {
            throw new IOException("no XML parser: " + e.getMessage(), e);
        }
    }

    /**
     * Trusts {@code sha256} for {@code fileName} of group:name:version, with {@code note} as
     * the depgate comment. Returns null when done, or the differing sha256 values already
     * trusted for that file (left untouched: same coordinates, different bytes).
     */
    List<String> trust(String group, String name, String version, String fileName, String sha256, String note) {
        Element component = component(group, name, version);
        Element artifact = null;
        for (Element a : children(component, "artifact")) {
            if (fileName.equals(a.getAttribute("name"))) {
                artifact = a;
            }
        }
        if (artifact == null) {
            artifact = doc.createElementNS(NS, "artifact");
            artifact.setAttribute("name", fileName);
            component.appendChild(artifact);
        }
        List<String> others = new ArrayList<String>();
        boolean present = false;
        for (Element s : children(artifact, "sha256")) {
            if (sha256.equalsIgnoreCase(s.getAttribute("value"))) {
                present = true;
            } else {
                others.add(s.getAttribute("value"));
            }
            for (Element also : children(s, "also-trust")) {
                if (sha256.equalsIgnoreCase(also.getAttribute("value"))) {
                    present = true;
                }
            }
        }
        if (!present && !others.isEmpty()) {
            return others;
        }
        // One depgate comment per artifact, refreshed on every run.
        for (Node n = artifact.getFirstChild(); n != null; ) {
            Node next = n.getNextSibling();
            if (n instanceof Comment && n.getNodeValue().startsWith(COMMENT_PREFIX)) {
                artifact.removeChild(n);
            }
            n = next;
        }
        artifact.insertBefore(doc.createComment(COMMENT_PREFIX + note.replace("--", "- -") + " "), artifact.getFirstChild());
        if (!present) {
            Element s = doc.createElementNS(NS, "sha256");
            s.setAttribute("value", sha256.toLowerCase());
            s.setAttribute("origin", "depgate");
            artifact.appendChild(s);
        }
        return null;
    }

    private Element component(String group, String name, String version) {
        String key = group + ":" + name + ":" + version;
        Element before = null;
        for (Element c : children(components, "component")) {
            String k = c.getAttribute("group") + ":" + c.getAttribute("name") + ":" + c.getAttribute("version");
            if (k.equals(key)) {
                return c;
            }
            if (before == null && k.compareTo(key) > 0) {
                before = c;
            }
        }
        Element c = doc.createElementNS(NS, "component");
        c.setAttribute("group", group);
        c.setAttribute("name", name);
        c.setAttribute("version", version);
        components.insertBefore(c, before);
        return c;
    }

    private static Element child(Element parent, String localName) {
        List<Element> all = children(parent, localName);
        return all.isEmpty() ? null : all.get(0);
    }

    private static List<Element> children(Element parent, String localName) {
        List<Element> out = new ArrayList<Element>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node n = nodes.item(i);
            if (n instanceof Element && localName.equals(n.getLocalName())) {
                out.add((Element) n);
            }
        }
        return out;
    }

    /** The document, indented by three spaces like Gradle's own writer. */
    String render() {
        StringBuilder out = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        NodeList top = doc.getChildNodes();
        for (int i = 0; i < top.getLength(); i++) {
            write(top.item(i), out, "");
        }
        return out.toString();
    }

    private static void write(Node node, StringBuilder out, String indent) {
        if (node instanceof Comment) {
            out.append(indent).append("<!--").append(node.getNodeValue()).append("-->\n");
            return;
        }
        if (node.getNodeType() == Node.TEXT_NODE || node.getNodeType() == Node.CDATA_SECTION_NODE) {
            String text = node.getNodeValue().trim();
            if (!text.isEmpty()) {
                out.append(indent).append(escape(text, false)).append('\n');
            }
            return;
        }
        if (!(node instanceof Element)) {
            return;
        }
        Element e = (Element) node;
        out.append(indent).append('<').append(e.getNodeName());
        NamedNodeMap attrs = e.getAttributes();
        List<Node> sorted = new ArrayList<Node>();
        for (int i = 0; i < attrs.getLength(); i++) {
            sorted.add(attrs.item(i));
        }
        java.util.Collections.sort(sorted, new java.util.Comparator<Node>() {
            @Override
            public int compare(Node a, Node b) {
                int ia = rank(a.getNodeName());
                int ib = rank(b.getNodeName());
                return ia != ib ? ia - ib : a.getNodeName().compareTo(b.getNodeName());
            }
        });
        for (Node a : sorted) {
            out.append(' ').append(a.getNodeName()).append("=\"").append(escape(a.getNodeValue(), true)).append('"');
        }
        List<Node> kids = new ArrayList<Node>();
        NodeList nodes = e.getChildNodes();
        boolean onlyText = true;
        for (int i = 0; i < nodes.getLength(); i++) {
            Node k = nodes.item(i);
            if (k.getNodeType() == Node.TEXT_NODE && k.getNodeValue().trim().isEmpty()) {
                continue;
            }
            kids.add(k);
            onlyText &= k.getNodeType() == Node.TEXT_NODE;
        }
        if (kids.isEmpty()) {
            out.append("/>\n");
        } else if (onlyText) {
            out.append('>').append(escape(e.getTextContent().trim(), false)).append("</").append(e.getNodeName()).append(">\n");
        } else {
            out.append(">\n");
            for (Node k : kids) {
                write(k, out, indent + "   ");
            }
            out.append(indent).append("</").append(e.getNodeName()).append(">\n");
        }
    }

    private static int rank(String name) {
        int i = ATTRIBUTE_ORDER.indexOf(name);
        return i < 0 ? ATTRIBUTE_ORDER.size() : i;
    }

    private static String escape(String s, boolean attribute) {
        String r = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        return attribute ? r.replace("\"", "&quot;") : r;
    }
}
