package dev.depgate.gradle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.Assume;
import org.junit.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The publication scripts/publish.sh --local --assets wrote (scripts/test.sh passes its
 * folder as {@code depgate.publishRepo}, the release assets it pinned as
 * {@code depgate.releaseAssets}): what the Plugin Portal requires of it, and a consumer
 * build that applies {@code plugins { id 'dev.depgate' version '…' }} through
 * {@code pluginManagement { repositories { maven { url … } } } }, with no depgate binary
 * configured, so the plugin downloads one from a release server on 127.0.0.1, checks it
 * against the digest pinned in the jar, verifies and uses it; an archive that matches its
 * .sha256 but not the pin is refused.
 */
public class PublicationTest {
    private static final String REPO = "depgate-test/depgate";

    private static File repo() {
        return new File(Fixture.prop("depgate.publishRepo"));
    }

    private static String version() {
        return Fixture.prop("depgate.pluginVersion");
    }

    private static File artifact(String artifactId, String suffix) {
        return new File(repo(), "dev/depgate/" + artifactId + "/" + version() + "/" + artifactId + "-" + version() + suffix);
    }

    private static String text(Element root, String path) {
        Node n = root;
        for (String part : path.split("/")) {
            Node found = null;
            for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
                if (c instanceof Element && part.equals(((Element) c).getTagName())) {
                    found = c;
                    break;
                }
            }
            if (found == null) {
                return null;
            }
            n = found;
        }
        return n.getTextContent().trim();
    }

    @Test
    public void publicationHasWhatThePluginPortalRequires() throws Exception {
        for (String artifactId : Arrays.asList("depgate-gradle-plugin", "dev.depgate.gradle.plugin")) {
            File pom = artifact(artifactId, ".pom");
            assertTrue(pom + " exists", pom.isFile());
            Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom);
            Element root = doc.getDocumentElement();
            String url = "https://github.com/" + REPO;
            assertEquals("dev.depgate", text(root, "groupId"));
            assertEquals(version(), text(root, "version"));
            assertEquals("depgate Gradle plugin", text(root, "name"));
            assertTrue(pom + ": description", text(root, "description").startsWith("Puts depgate, a supply-chain gate,"));
            assertEquals(url, text(root, "url"));
            assertEquals("Apache-2.0", text(root, "licenses/license/name"));
            assertEquals("https://www.apache.org/licenses/LICENSE-2.0.txt", text(root, "licenses/license/url"));
            assertEquals("The depgate developers", text(root, "developers/developer/name"));
            assertEquals(url, text(root, "scm/url"));
            assertEquals("scm:git:" + url + ".git", text(root, "scm/connection"));
            assertEquals(1, root.getElementsByTagName("name").getLength() - root.getElementsByTagName("license").getLength()
                    - root.getElementsByTagName("developer").getLength());
        }
        // The marker points at the plugin's jar.
        Element marker = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(artifact("dev.depgate.gradle.plugin", ".pom")).getDocumentElement();
        assertEquals("depgate-gradle-plugin", text(marker, "dependencies/dependency/artifactId"));
        assertEquals(version(), text(marker, "dependencies/dependency/version"));

        try (JarFile jar = new JarFile(artifact("depgate-gradle-plugin", ".jar"))) {
            assertTrue(jar.getEntry("META-INF/gradle-plugins/dev.depgate.properties") != null);
            assertTrue(jar.getEntry("dev/depgate/gradle/ReleaseBinary.class") != null);
            String props = new String(Util.readAll(jar.getInputStream(jar.getEntry("dev/depgate/gradle/release.properties"))), "UTF-8");
            StringBuilder expected = new StringBuilder("version=" + version() + "\nrepository=" + REPO + "\n");
            for (String t : Arrays.asList("x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl", "x86_64-apple-darwin",
                    "aarch64-apple-darwin")) {
                expected.append("sha256.").append(t).append('=')
                        .append(Util.sha256(new File(Fixture.prop("depgate.releaseAssets"), "depgate-" + t + ".tar.gz"))).append('\n');
            }
            assertEquals(expected.toString(), props);
        }
        try (JarFile sources = new JarFile(artifact("depgate-gradle-plugin", "-sources.jar"))) {
            assertTrue(sources.getEntry("dev/depgate/gradle/DepgatePlugin.java") != null);
        }
        try (JarFile javadoc = new JarFile(artifact("depgate-gradle-plugin", "-javadoc.jar"))) {
            assertTrue(javadoc.getEntry("index.html") != null);
            assertTrue(javadoc.getEntry("dev/depgate/gradle/DepgatePlugin.html") != null);
        }
    }

    @Test
    public void consumerBuildAppliesThePublishedPluginAndDownloadsTheBinary() throws Exception {
        String target = ReleaseServer.hostTarget();
        Assume.assumeTrue("depgate releases no binary for this machine", target != null);
        File root = Files.createTempDirectory("depgate-consumer").toFile();
        File project = new File(root, "consumer");
        project.mkdirs();
        Fixture.write(new File(project, "settings.gradle"), "pluginManagement {\n    repositories {\n        maven { url '"
                + repo().toURI() + "' }\n    }\n}\nrootProject.name = 'consumer'\n");
        Fixture.write(new File(project, "build.gradle"), "plugins {\n    id 'java'\n    id 'dev.depgate' version '" + version()
                + "'\n}\n");
        // The plugin's own jar is on the build script classpath and gated too: its upstream is the publication.
        Fixture.write(new File(project, "depgate.toml"), "[maven]\nchain = [\"debian\", \"plugins\"]\n\n[upstream.debian]\n"
                + "kind = \"dir\"\npath = \"" + Fixture.MAVEN_REPO + "\"\ntier = \"curated\"\n\n[upstream.plugins]\nkind = \"dir\"\n"
                + "path = \"" + repo().getPath() + "\"\ntier = \"curated\"\n\n[policy]\nquarantine_days = 0\nrequire = \"none\"\n");

        File prepared = new File(Fixture.prop("depgate.releaseAssets"));
        String name = "depgate-" + target + ".tar.gz";
        File log = new File(prepared, "verify-args.txt");
        File assets = new File(root, "assets");
        assets.mkdirs();
        for (String suffix : Arrays.asList("", ".sha256", ".sigstore.json")) {
            Files.copy(new File(prepared, name + suffix).toPath(), new File(assets, name + suffix).toPath());
        }
        File archive = new File(assets, name);
        String digest = Util.sha256(archive);
        File home = new File(root, "gradle-home");
        try (ReleaseServer server = new ReleaseServer(assets)) {
            // No depgate.binary, no DEPGATE_BIN, no depgate on PATH: the plugin has to download it.
            Fixture.Result r = consumer(project, home, server);
            assertEquals("gradle depgateCheck failed:\n" + Fixture.tail(r.output), 0, r.status);
            String v = version();
            assertTrue(r.output, r.output.contains("depgate: using depgate " + v + " (" + target + ") from " + server.url() + name
                    + ": sha256 " + digest + " (pinned in the plugin), provenance verified (" + REPO + ", .github/workflows/release.yml, "
                    + "refs/tags/v" + v + ")"));
            // The pinned digest made the .sha256 file unnecessary; the identity came from the jar.
            assertEquals(Arrays.asList("/releases/download/v1/" + name, "/releases/download/v1/" + name + ".sigstore.json"),
                    server.requests);
            assertTrue(Fixture.read(log), Fixture.read(log).contains("--source-repository\n" + REPO + "\n"));
            assertTrue(new File(home, "caches/depgate/binaries-v1/" + v + "/" + target + "/" + digest + "/depgate").isFile());
            // The downloaded depgate gated the build: the plugin's own jar, allowed from the publication.
            assertTrue(r.output, r.output.contains("depgate: 1 packages (1 artifacts): 1 allowed, 0 warned, 0 quarantined, 0 denied"));
            assertTrue(Fixture.read(new File(project, "build/depgate/depgate-resolved.json")).contains("depgate-gradle-plugin"));

            // A changed archive with a matching .sha256 (a compromised release server) is refused by the pin.
            Files.write(archive.toPath(), new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
            Fixture.write(new File(assets, name + ".sha256"), Util.sha256(archive) + "  " + name + "\n");
            File freshHome = new File(root, "gradle-home-2");
            Fixture.Result refused = consumer(project, freshHome, server);
            assertTrue(refused.output, refused.status != 0);
            assertTrue(refused.output, refused.output.contains(server.url() + name + " has sha256 " + Util.sha256(archive)
                    + ", but this plugin's release.properties says " + digest + ": refusing to use it"));
            assertTrue(!new File(freshHome, "caches/depgate/binaries-v1/" + v + "/" + target + "/" + digest).exists());
        }
    }

    private static Fixture.Result consumer(File project, File home, ReleaseServer server) throws Exception {
        List<String> cmd = new ArrayList<String>(Arrays.asList("gradle", "--no-daemon", "--console=plain", "-g", home.getPath(),
                "-p", project.getPath(), "-Pdepgate.releaseUrl=" + server.url(), "depgateCheck"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(project).redirectErrorStream(true);
        pb.environment().remove("DEPGATE_BIN");
        pb.environment().put("PATH", "/usr/bin:/bin");
        File out = new File(project.getParentFile(), "gradle-" + System.nanoTime() + ".log");
        long start = System.nanoTime();
        Process p = pb.redirectOutput(out).start();
        assertTrue("gradle finished within 240 s", p.waitFor(240, TimeUnit.SECONDS));
        return new Fixture.Result(p.exitValue(), Fixture.read(out), (System.nanoTime() - start) / 1e9);
    }
}
