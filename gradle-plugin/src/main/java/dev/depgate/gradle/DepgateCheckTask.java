package dev.depgate.gradle;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.gradle.api.DefaultTask;
import org.gradle.api.GradleException;
import org.gradle.api.Task;
import org.gradle.api.specs.Spec;
import org.gradle.api.tasks.TaskAction;

/**
 * Root project: merges the projects' resolved parts into the resolved-artifact list
 * ({@code depgate.resolved/v1}, docs/resolved-list.md), runs
 * {@code depgate check --resolved LIST} and fails the build with depgate's findings.
 * Everything it needs is captured by {@link #capture} at configuration time.
 */
public class DepgateCheckTask extends DefaultTask {
    private Options options;
    private List<File> parts = new ArrayList<File>();
    private File resolvedList;
    private String tool;
    private boolean download;

    public DepgateCheckTask() {
        setGroup("verification");
        setDescription("Resolves every configuration and gates the artifacts with depgate check.");
        getOutputs().upToDateWhen(new Spec<Task>() {
            @Override
            public boolean isSatisfiedBy(Task task) {
                return false; // policy, cooldowns and upstreams change with time: always decide again
            }
        });
    }

    void capture(Options options, List<File> parts, File resolvedList, String tool) {
        this.options = options;
        this.parts = parts; // filled as projects are evaluated: keep the reference
        this.resolvedList = resolvedList;
        this.tool = tool;
    }

    /**
     * Also download every artifact from its upstream and compare its bytes with the file
     * the build resolved ({@code depgate check --download}); set when
     * depgateVerificationMetadata runs, which trusts only bytes depgate matched.
     */
    void download(boolean download) {
        this.download = download;
    }

    /** The merged list this task writes. */
    File resolvedList() {
        return resolvedList;
    }

    @TaskAction
    public void check() throws IOException {
        int count = writeList();
        File binary = options.binary();
        List<String> cmd = new ArrayList<String>();
        cmd.add(binary.getPath());
        cmd.add("check");
        cmd.add(options.projectDir.getPath());
        cmd.add("--resolved");
        cmd.add(resolvedList.getPath());
        options.addConfigArgs(cmd);
        if (download) {
            cmd.add("--download");
        }
        cmd.add("--out");
        cmd.add(options.reportDir.getPath());
        cmd.add("--format");
        cmd.add("json");
        cmd.add("--color");
        cmd.add("never");
        Run run = Run.exec(cmd, options.projectDir);
        getLogger().info("depgate check: exit status {}\n{}", run.status, run.stderr);
        Map<String, Object> decisions = null;
        if (!run.stdout.trim().isEmpty()) {
            try {
                decisions = Json.object(Json.parse(run.stdout, "depgate check output"));
                Util.writeAtomically(new File(resolvedList.getParentFile(), "decisions.json"), run.stdout);
            } catch (IllegalArgumentException e) {
                decisions = null;
            }
        }
        Findings findings = Findings.of(decisions, options.failOn);
        String where = "report: " + options.reportDir + ", resolved list: " + resolvedList;
        if (run.status == 0 || (run.status == 1 && options.failOn.equals("never"))) {
            if (findings.lines.length() > 0) {
                getLogger().warn("depgate:\n" + findings.lines + where);
            }
            if (options.failOn.equals("warn") && findings.warned > 0) {
                throw new GradleException("depgate: " + findings.warned + " of " + count
                        + " artifacts have warnings and failOn = 'warn':\n" + findings.lines + where);
            }
            getLogger().lifecycle("depgate: " + findings.summary(count) + " (" + where + ")");
            return;
        }
        if (run.status == 1) {
            throw new GradleException("depgate denied the build: " + findings.summary(count) + "\n" + findings.lines
                    + where + "\nFix: remove or change those dependencies, or adjust the policy in "
                    + (options.config == null ? "depgate.toml" : options.config.getPath()) + ".");
        }
        String why = run.status == 2 ? "a usage or configuration error" : run.status == 3
                ? "it could not decide (an upstream failed or the policy errored); failing closed"
                : "an unexpected exit status " + run.status;
        throw new GradleException("depgate check failed with " + why + ":\n" + Util.tail(run.stderr, 30)
                + (findings.lines.length() > 0 ? findings.lines : "") + where);
    }

    /** Merges the parts into one sorted list, the same artifact across projects once. */
    private int writeList() throws IOException {
        Map<String, Map<String, Object>> merged = new TreeMap<String, Map<String, Object>>();
        for (File part : parts) {
            if (!part.isFile()) {
                continue; // a project without resolvable configurations
            }
            Map<String, Object> doc = Json.object(Json.parse(Util.read(part), part.getPath()));
            for (Object o : Json.array(doc.get("artifacts"))) {
                Map<String, Object> a = Json.object(o);
                a.remove("path");
                String key = a.get("group") + ":" + a.get("name") + ":" + a.get("version") + ":"
                        + (a.containsKey("classifier") ? a.get("classifier") : "") + ":" + a.get("extension");
                Map<String, Object> seen = merged.get(key);
                if (seen == null) {
                    a.put("configurations", new TreeSet<Object>(Json.array(a.get("configurations"))));
                    merged.put(key, a);
                    continue;
                }
                if (!String.valueOf(seen.get("sha256")).equals(String.valueOf(a.get("sha256")))) {
                    throw new GradleException("depgate: two different files for " + key + " (sha256 " + seen.get("sha256")
                            + " and " + a.get("sha256") + ", the second in " + doc.get("project") + "); clean the "
                            + "Gradle cache entry for it and investigate where the second came from");
                }
                @SuppressWarnings("unchecked")
                Set<Object> confs = (Set<Object>) seen.get("configurations");
                confs.addAll(Json.array(a.get("configurations")));
                if (Boolean.TRUE.equals(a.get("direct"))) {
                    seen.put("direct", Boolean.TRUE);
                }
                if (seen.containsKey("repository") && !String.valueOf(seen.get("repository")).equals(String.valueOf(a.get("repository")))) {
                    seen.remove("repository"); // projects disagree: do not guess
                }
            }
        }
        Map<String, Object> list = new LinkedHashMap<String, Object>();
        list.put("format", "depgate.resolved/v1");
        list.put("tool", tool);
        list.put("artifacts", new ArrayList<Object>(merged.values()));
        Util.writeAtomically(resolvedList, Json.write(list));
        return merged.size();
    }

    /** A finished child process with its captured output. */
    static final class Run {
        final int status;
        final String stdout;
        final String stderr;

        private Run(int status, String stdout, String stderr) {
            this.status = status;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        static Run exec(List<String> cmd, File dir) {
            try {
                File err = File.createTempFile("depgate-check", ".log");
                try {
                    Process p = new ProcessBuilder(cmd).directory(dir).redirectError(err).start();
                    p.getOutputStream().close();
                    String out = new String(Util.readAll(p.getInputStream()), StandardCharsets.UTF_8);
                    int status = p.waitFor();
                    return new Run(status, out, Util.read(err));
                } finally {
                    if (!err.delete()) {
                        err.deleteOnExit();
                    }
                }
            } catch (IOException e) {
                throw new GradleException("depgate: cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GradleException("depgate: interrupted while running depgate check", e);
            }
        }
    }

    /** depgate's findings rendered for Gradle's failure message, one package per line. */
    static final class Findings {
        final StringBuilder lines = new StringBuilder();
        int warned;
        int blocked;
        Map<String, Object> counts = new LinkedHashMap<String, Object>();

        static Findings of(Map<String, Object> decisions, String failOn) {
            Findings f = new Findings();
            if (decisions == null) {
                return f;
            }
            f.counts = Json.object(decisions.get("counts"));
            for (Object o : Json.array(decisions.get("decisions"))) {
                Map<String, Object> d = Json.object(o);
                String decision = String.valueOf(d.get("decision"));
                if (decision.equals("allow")) {
                    continue;
                }
                if (decision.equals("warn")) {
                    f.warned++;
                } else {
                    f.blocked++;
                }
                String purl = Json.path(d, "package", "purl");
                List<Object> findings = Json.array(d.get("findings"));
                if (findings.isEmpty()) {
                    f.lines.append("  ").append(decision).append(' ').append(purl).append('\n');
                }
                for (Object fo : findings) {
                    Map<String, Object> finding = Json.object(fo);
                    f.lines.append("  ").append(decision).append(' ').append(purl).append(" [")
                            .append(finding.get("rule")).append("] ").append(finding.get("msg")).append('\n');
                    if (finding.get("remedy") != null) {
                        f.lines.append("      fix: ").append(finding.get("remedy")).append('\n');
                    }
                }
            }
            return f;
        }

        String summary(int artifacts) {
            if (counts.isEmpty()) {
                return artifacts + " artifacts checked";
            }
            return num("total") + " packages (" + artifacts + " artifacts): " + num("allow") + " allowed, " + num("warn")
                    + " warned, " + num("quarantine") + " quarantined, " + num("deny") + " denied, " + num("error") + " undecided";
        }

        private String num(String key) {
            Object v = counts.get(key);
            return v instanceof Double ? String.valueOf(((Double) v).intValue()) : String.valueOf(v);
        }
    }
}
