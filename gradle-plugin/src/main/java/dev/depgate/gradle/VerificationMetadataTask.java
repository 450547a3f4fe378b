package dev.depgate.gradle;

import java.io.File;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.gradle.api.DefaultTask;
import org.gradle.api.GradleException;
import org.gradle.api.Task;
import org.gradle.api.specs.Spec;
import org.gradle.api.tasks.TaskAction;

/**
 * Writes or updates {@code gradle/verification-metadata.xml} from what depgateCheck
 * allowed: a sha256 entry per resolved artifact file, with a comment naming where depgate
 * found it and the signer identity it verified. Entries and settings already in the file
 * stay. Runs after depgateCheck and reads its outputs (the resolved list, decisions.json).
 */
public class VerificationMetadataTask extends DefaultTask {
    private File resolvedList;
    private File decisions;
    private File target;

    public VerificationMetadataTask() {
        setGroup("verification");
        setDescription("Writes gradle/verification-metadata.xml (sha256 entries) from the artifacts depgate allowed.");
        getOutputs().upToDateWhen(new Spec<Task>() {
            @Override
            public boolean isSatisfiedBy(Task task) {
                return false;
            }
        });
    }

    void capture(File resolvedList, File decisions, File target) {
        this.resolvedList = resolvedList;
        this.decisions = decisions;
        this.target = target;
    }

    @TaskAction
    public void write() throws IOException {
        if (!decisions.isFile()) {
            throw new GradleException("depgate: " + decisions + " is missing: depgateCheck did not print decisions "
                    + "(see its output above)");
        }
        Map<String, Object> list = Json.object(Json.parse(Util.read(resolvedList), resolvedList.getPath()));
        Map<String, Object> doc = Json.object(Json.parse(Util.read(decisions), decisions.getPath()));
        // name@version -> note; absent when any decision for it blocks it.
        Map<String, String> allowed = new HashMap<String, String>();
        Map<String, Boolean> blocked = new HashMap<String, Boolean>();
        // name@version -> lockfile_integrity, for allowed packages whose bytes did not match.
        Map<String, String> unmatched = new HashMap<String, String>();
        for (Object o : Json.array(doc.get("decisions"))) {
            Map<String, Object> d = Json.object(o);
            String key = Json.path(d, "package", "name") + "@" + Json.path(d, "package", "version");
            String decision = String.valueOf(d.get("decision"));
            if (decision.equals("allow") || decision.equals("warn")) {
                // Only bytes depgate compared: the owner's file (downloaded by
                // depgateCheck --download) has the sha256 the build resolved.
                if ("match".equals(Json.path(d, "resolution", "lockfile_integrity"))) {
                    allowed.put(key, note(d));
                } else {
                    unmatched.put(key, String.valueOf(Json.path(d, "resolution", "lockfile_integrity")));
                }
            } else {
                blocked.put(key, Boolean.TRUE);
            }
        }
        VerificationXml xml = VerificationXml.load(target);
        int written = 0;
        int skipped = 0;
        StringBuilder conflicts = new StringBuilder();
        for (Object o : Json.array(list.get("artifacts"))) {
            Map<String, Object> a = Json.object(o);
            String group = Json.string(a.get("group"));
            String name = Json.string(a.get("name"));
            String version = Json.string(a.get("version"));
            String file = Json.string(a.get("file"));
            String sha256 = Json.string(a.get("sha256"));
            String key = group + ":" + name + "@" + version;
            String note = allowed.get(key);
            if (note == null || blocked.containsKey(key) || file == null || sha256 == null) {
                skipped++;
                String why = unmatched.containsKey(key)
                        ? "depgate could not confirm its bytes on the chain (integrity: " + unmatched.get(key) + ")"
                        : "depgate did not allow it";
                getLogger().warn("depgate: not trusting " + group + ":" + name + ":" + version + " (" + file
                        + "): " + why);
                continue;
            }
            List<String> others = xml.trust(group, name, version, file, sha256, note);
            if (others != null) {
                conflicts.append("  ").append(group).append(':').append(name).append(':').append(version).append(' ')
                        .append(file).append(": the file trusts sha256 ").append(others).append(", the build resolved ")
                        .append(sha256).append('\n');
            } else {
                written++;
            }
        }
        if (conflicts.length() > 0) {
            throw new GradleException("depgate: " + target + " already trusts other bytes for these files (same "
                    + "coordinates, different content):\n" + conflicts + "Find out why the bytes changed; if the new "
                    + "file is right, delete the old <sha256> entry and run depgateVerificationMetadata again.");
        }
        Util.writeAtomically(target, xml.render());
        getLogger().lifecycle("depgate: " + target + ": " + written + " artifacts trusted"
                + (skipped > 0 ? ", " + skipped + " not allowed by depgate left out" : ""));
    }

    /** Where depgate found the package and who signed it, for the XML comment. */
    static String note(Map<String, Object> d) {
        String upstream = Json.path(d, "resolution", "upstream");
        String tier = Json.path(d, "resolution", "tier");
        StringBuilder out = new StringBuilder("warn".equals(d.get("decision")) ? "allowed with warnings" : "allowed");
        out.append(" from ").append(upstream).append(" (tier ").append(tier).append(')');
        String status = Json.path(d, "verification", "status");
        Map<String, Object> attestation = null;
        for (Object a : Json.array(Json.object(d.get("verification")).get("attestations"))) {
            Map<String, Object> m = Json.object(a);
            if (!Boolean.FALSE.equals(m.get("verified"))) {
                attestation = m;
                break;
            }
        }
        if ("verified".equals(status) && attestation != null) {
            out.append("; verified identity: issuer ").append(attestation.get("issuer"))
                    .append(", source repo ").append(attestation.get("source_repo"))
                    .append(", workflow ").append(attestation.get("workflow"));
            if (attestation.get("san") != null) {
                out.append(", signer ").append(attestation.get("san"));
            }
        } else {
            out.append("; signature ").append(status == null ? "unknown" : status);
        }
        return out.toString();
    }
}
