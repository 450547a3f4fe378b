package dev.depgate.gradle;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON the plugin needs: reading depgate's decisions and ready file, writing the
 * resolved-artifact list. Gradle 4.4 to 8.x ship no JSON library a Java plugin may rely on,
 * so this is self-contained. Objects read as {@link LinkedHashMap}, arrays as {@link List},
 * numbers as {@link Double}.
 */
final class Json {
    private final String text;
    private int pos;

    private Json(String text) {
        this.text = text;
    }

    /** Parses one JSON document; {@code what} names the source in error messages. */
    static Object parse(String text, String what) {
        Json p = new Json(text);
        p.skipSpace();
        Object value = p.value(what);
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error(what, "unexpected text after the document");
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object value) {
        return value instanceof Map ? (Map<String, Object>) value : new LinkedHashMap<String, Object>();
    }

    @SuppressWarnings("unchecked")
    static List<Object> array(Object value) {
        return value instanceof List ? (List<Object>) value : new ArrayList<Object>();
    }

    static String string(Object value) {
        return value instanceof String ? (String) value : null;
    }

    /** {@code map[k1][k2]…} as a string, or null when any step is missing. */
    static String path(Map<String, Object> map, String... keys) {
        Object current = map;
        for (String key : keys) {
            if (!(current instanceof Map)) {
                return null;
            }
            current = ((Map<?, ?>) current).get(key);
        }
        return current == null ? null : String.valueOf(current);
    }

    private IllegalArgumentException error(String what, String message) {
        return new IllegalArgumentException(what + ": invalid JSON at offset " + pos + ": " + message);
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private Object value(String what) {
        if (pos >= text.length()) {
            throw error(what, "unexpected end");
        }
        char c = text.charAt(pos);
        if (c == '{') {
            pos++;
            Map<String, Object> map = new LinkedHashMap<String, Object>();
            skipSpace();
            if (peek('}')) {
                return map;
            }
            while (true) {
                skipSpace();
                if (pos >= text.length() || text.charAt(pos) != '"') {
                    throw error(what, "expected a key");
                }
                String key = stringLiteral(what);
                skipSpace();
                expect(':', what);
                skipSpace();
                map.put(key, value(what));
                skipSpace();
                if (peek('}')) {
                    return map;
                }
                expect(',', what);
            }
        }
        if (c == '[') {
            pos++;
            List<Object> list = new ArrayList<Object>();
            skipSpace();
            if (peek(']')) {
                return list;
            }
            while (true) {
                skipSpace();
                list.add(value(what));
                skipSpace();
                if (peek(']')) {
                    return list;
                }
                expect(',', what);
            }
        }
        if (c == '"') {
            return stringLiteral(what);
        }
        if (text.startsWith("true", pos)) {
            pos += 4;
            return Boolean.TRUE;
        }
        if (text.startsWith("false", pos)) {
            pos += 5;
            return Boolean.FALSE;
        }
        if (text.startsWith("null", pos)) {
            pos += 4;
            return null;
        }
        int start = pos;
        while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        if (start == pos) {
            throw error(what, "unexpected character '" + c + "'");
        }
        try {
            return Double.valueOf(text.substring(start, pos));
        } catch (NumberFormatException e) {
            throw error(what, "bad number");
        }
    }

    private boolean peek(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char c, String what) {
        if (!peek(c)) {
            throw error(what, "expected '" + c + "'");
        }
    }

    private String stringLiteral(String what) {
        pos++; // opening quote
        StringBuilder out = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (pos >= text.length()) {
                break;
            }
            char e = text.charAt(pos++);
            switch (e) {
                case 'n': out.append('\n'); break;
                case 't': out.append('\t'); break;
                case 'r': out.append('\r'); break;
                case 'b': out.append('\b'); break;
                case 'f': out.append('\f'); break;
                case 'u':
                    if (pos + 4 > text.length()) {
                        throw error(what, "bad \\u escape");
                    }
                    out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    pos += 4;
                    break;
                default: out.append(e);
            }
        }
        throw error(what, "unterminated string");
    }

    /** Writes maps, lists, strings, booleans, numbers and null, indented by two spaces. */
    static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out, "");
        return out.append('\n').toString();
    }

    private static void write(Object value, StringBuilder out, String indent) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String) {
            quote((String) value, out);
        } else if (value instanceof Boolean || value instanceof Number) {
            out.append(value);
        } else if (value instanceof Map) {
            Map<?, ?> map = (Map<?, ?>) value;
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                out.append(indent).append("  ");
                quote(String.valueOf(e.getKey()), out);
                out.append(": ");
                write(e.getValue(), out, indent + "  ");
                out.append(it.hasNext() ? ",\n" : "\n");
            }
            out.append(indent).append('}');
        } else if (value instanceof Iterable) {
            Iterator<?> it = ((Iterable<?>) value).iterator();
            if (!it.hasNext()) {
                out.append("[]");
                return;
            }
            out.append("[\n");
            while (it.hasNext()) {
                out.append(indent).append("  ");
                write(it.next(), out, indent + "  ");
                out.append(it.hasNext() ? ",\n" : "\n");
            }
            out.append(indent).append(']');
        } else {
            quote(value.toString(), out);
        }
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
