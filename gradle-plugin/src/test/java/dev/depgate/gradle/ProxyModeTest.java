package dev.depgate.gradle;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;

/** Proxy mode: depgate serve for the build's lifetime, every artifact through it. */
public class ProxyModeTest {
    @Test
    public void singleProjectWithPluginsBlockResolvesThroughTheProxy() throws Exception {
        Fixture f = Fixture.copy("single", false);
        Fixture.Result r = f.gradle("-PfixtureMode=proxy", "compileTestJava", "listResolved");
        Fixture.assertSuccess(r, "gradle compileTestJava (proxy mode)");
        assertEveryArtifactAudited(f, r);
    }

    @Test
    public void multiProjectWithInitScriptResolvesThroughTheProxy() throws Exception {
        Fixture f = Fixture.copy("multi", false);
        String[] init = Fixture.initScript();
        // The build declares mavenCentral(); the proxy replaces it, so nothing leaves the machine.
        Fixture.Result r = f.gradle(init[0], init[1], "-Pdepgate.mode=proxy", "-Pdepgate.config=depgate.toml",
                "-PfixtureRepo=central", "compileTestJava", "listResolved");
        Fixture.assertSuccess(r, "gradle compileTestJava (proxy mode, init script)");
        assertFalse("something was fetched from Maven Central:\n" + r.output, r.output.contains("repo.maven.apache.org"));
        assertEveryArtifactAudited(f, r);
    }

    @Test
    public void aFailedBuildPrintsWhatTheProxyRefusedAndHeldBack() throws Exception {
        Fixture f = Fixture.copy("multi", true);
        String[] init = Fixture.initScript();
        // a pins commons-codec 1.15: its POM is refused (403, the reason phrase names the rule).
        Fixture.Result r = f.gradle(init[0], init[1], "-Pdepgate.mode=proxy", "-Pdepgate.config=depgate.toml",
                "-PfixtureRepo=central", "-PwithDenied=1", "compileJava");
        String blocked = blockedList(r);
        assertTrue(blocked, blocked.contains(
                "deny pkg:maven/commons-codec/commons-codec@1.15?type=pom [banned-package] banned by the fixture policy (file refused)"));
        assertTrue(blocked, blocked.contains("fix: use commons-lang3 instead"));
        assertTrue("Gradle's own message has the proxy's reason phrase:\n" + Fixture.tail(r.output),
                r.output.substring(0, r.output.indexOf("depgate: the build failed")).contains("banned-package"));
        String summary = Fixture.read(f.file("build/depgate/report/summary.md"));
        assertTrue(summary, summary.contains("**Blocked**"));

        // b asks for 1.+: every version is held back from maven-metadata.xml, so Gradle can
        // only say it found no match; the plugin says why.
        Fixture.Result h = f.gradle(init[0], init[1], "-Pdepgate.mode=proxy", "-Pdepgate.config=depgate.toml",
                "-PfixtureRepo=central", "-PwithHeldBack=1", "compileJava");
        blocked = blockedList(h);
        assertTrue(blocked, blocked.contains(
                "deny pkg:maven/commons-codec/commons-codec@1.15 [banned-package] banned by the fixture policy (held back from listings)"));
        assertTrue(blocked, blocked.contains("fix: use commons-lang3 instead"));
        Map<String, Object> decisions = Json.object(Json.parse(Fixture.read(f.file("build/depgate/report/decisions.json")), "decisions.json"));
        assertFalse("nothing held back: " + decisions, Json.array(decisions.get("held_back")).isEmpty());
        summary = Fixture.read(f.file("build/depgate/report/summary.md"));
        assertTrue(summary, summary.contains("**Blocked**") && summary.contains("Held back from listings"));
        for (String line : blocked.split("\n")) {
            if (line.contains("(held back from listings)")) {
                System.out.println("    " + line.trim());
                break;
            }
        }
    }

    /** The plugin's blocked list after a failed build. */
    private static String blockedList(Fixture.Result r) {
        assertTrue("the build passed with a denied dependency:\n" + Fixture.tail(r.output), r.status != 0);
        int list = r.output.indexOf("depgate: the build failed, and the proxy blocked these");
        assertTrue("no blocked list in:\n" + Fixture.tail(r.output), list >= 0);
        return r.output.substring(list);
    }

    private static void assertEveryArtifactAudited(Fixture f, Fixture.Result r) throws Exception {
        Matcher m = Pattern.compile("resolving through (http://127\\.0\\.0\\.1:\\d+/\\S*) \\(depgate serve pid (\\d+)").matcher(r.output);
        assertTrue("no proxy announcement in:\n" + Fixture.tail(r.output), m.find());
        long pid = Long.parseLong(m.group(2));
        assertTrue("the build did not stop the proxy:\n" + Fixture.tail(r.output), r.output.contains("depgate: proxy stopped"));
        assertFalse("depgate serve (pid " + pid + ") still runs after the build", new File("/proc/" + pid).exists());

        List<String> resolved = Fixture.lines(f.file("build/resolved-files.txt"));
        assertTrue("the fixture resolved nothing", resolved.size() >= 3);
        List<String> audit = Fixture.lines(f.file("build/depgate/report/audit.jsonl"));
        for (String name : resolved) {
            boolean found = false;
            for (String line : audit) {
                Map<String, Object> rec = Json.object(Json.parse(line, "audit.jsonl"));
                String url = Json.string(rec.get("url"));
                if (url != null && url.endsWith("/" + name) && "allow".equals(rec.get("decision"))) {
                    found = true;
                }
            }
            assertTrue(name + " was resolved but is not in the audit log " + f.file("build/depgate/report/audit.jsonl"), found);
        }
        System.out.println("    " + resolved.size() + " artifact files resolved, all in audit.jsonl (" + audit.size() + " records)");
    }
}
