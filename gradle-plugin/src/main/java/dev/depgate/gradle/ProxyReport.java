package dev.depgate.gradle;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * What the proxy blocked, read from the decisions.json it writes when it stops: the files
 * it refused ({@code decisions} not allowed or warned) and the versions it held back from
 * listings ({@code held_back}: hidden from maven-metadata.xml, so Gradle can only say
 * "Could not find" or "Could not resolve"). Rendered one package per line with the rule,
 * the message and what to do.
 */
final class ProxyReport {
    /** Lines listed per kind before "and N more". */
    static final int MAX_LINES = 20;

    private ProxyReport() {
    }

    /** The blocked list, or "" when nothing was blocked (or there is no report). */
    static String blocked(File reportDir) {
        File file = new File(reportDir, "decisions.json");
        Map<String, Object> doc;
        try {
            doc = Json.object(Json.parse(Util.read(file), file.getPath()));
        } catch (IOException | IllegalArgumentException e) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        int refused = 0;
        for (Object o : Json.array(doc.get("decisions"))) {
            Map<String, Object> d = Json.object(o);
            String decision = String.valueOf(d.get("decision"));
            if (decision.equals("allow") || decision.equals("warn")) {
                continue;
            }
            if (++refused <= MAX_LINES) {
                append(out, decision, Json.path(d, "package", "purl"), Json.array(d.get("findings")), "file refused");
            }
        }
        if (refused > MAX_LINES) {
            out.append("  ... and ").append(refused - MAX_LINES).append(" more refused files\n");
        }
        List<Object> held = Json.array(doc.get("held_back"));
        int shown = 0;
        for (Object o : held) {
            Map<String, Object> h = Json.object(o);
            if (++shown > MAX_LINES) {
                break;
            }
            append(out, String.valueOf(h.get("decision")), Json.string(h.get("purl")), Json.array(h.get("findings")),
                    "held back from listings");
        }
        Object notKept = doc.get("held_back_not_kept");
        int more = Math.max(0, held.size() - MAX_LINES) + (notKept instanceof Double ? ((Double) notKept).intValue() : 0);
        if (more > 0) {
            out.append("  ... and ").append(more).append(" more held-back versions\n");
        }
        return out.toString();
    }

    private static void append(StringBuilder out, String decision, String purl, List<Object> findings, String what) {
        boolean any = false;
        for (Object fo : findings) {
            Map<String, Object> f = Json.object(fo);
            if (!decision.equals(f.get("level")) && f.get("level") != null) {
                continue;
            }
            any = true;
            String msg = String.valueOf(f.get("msg"));
            if (purl != null && msg.startsWith(purl + ": ")) {
                msg = msg.substring(purl.length() + 2);
            }
            out.append("  ").append(decision).append(' ').append(purl).append(" [").append(f.get("rule")).append("] ")
                    .append(msg).append(" (").append(what).append(")\n");
            if (f.get("remedy") != null) {
                out.append("      fix: ");
                if (f.get("until") != null) {
                    out.append("until ").append(f.get("until")).append(": ");
                }
                out.append(f.get("remedy")).append('\n');
            }
        }
        if (!any) {
            out.append("  ").append(decision).append(' ').append(purl).append(" (").append(what).append(")\n");
        }
    }
}
