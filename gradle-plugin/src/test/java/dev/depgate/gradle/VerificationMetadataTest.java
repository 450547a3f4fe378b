package dev.depgate.gradle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Collection;
import java.util.List;

import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;

import org.junit.Test;

/**
 * depgateVerificationMetadata writes gradle/verification-metadata.xml, a second run keeps
 * what the team added, and Gradle 8.11.1's own schema and reader accept the file.
 */
public class VerificationMetadataTest {
    private static final String HAND = "<component group=\"org.example\" name=\"hand\" version=\"1.0\">"
            + "<artifact name=\"hand-1.0.jar\"><sha256 value=\"" + repeat('a', 64) + "\" origin=\"added by hand\"/>"
            + "</artifact></component>";

    @Test
    public void writesThenUpdatesKeepingTheTeamsEntries() throws Exception {
        Fixture f = Fixture.copy("single", false);
        Fixture.Result r = f.gradle("--offline", "depgateVerificationMetadata");
        Fixture.assertSuccess(r, "gradle depgateVerificationMetadata");
        File xml = f.file("gradle/verification-metadata.xml");
        String first = Fixture.read(xml);
        assertTrue(first, first.contains("<component group=\"commons-io\" name=\"commons-io\" version=\"2.11.0\">"));
        assertTrue(first, first.contains("<!-- depgate: allowed from debian (tier curated); signature unverifiable -->"));
        assertTrue(first, first.contains("<verify-metadata>false</verify-metadata>"));
        // depgateCheck ran with --download for it: every trusted sha256 is one depgate
        // compared with the bytes its upstream serves.
        String decisions = Fixture.read(f.file("build/depgate/decisions.json"));
        assertEquals(decisions, count(first, "<!-- depgate:"), count(decisions, "\"lockfile_integrity\": \"match\""));
        assertEquals(decisions, 0, count(decisions, "\"not_downloaded\""));

        // The team edits the file: a hand-written entry, a comment, trusted artifacts.
        String edited = first.replace("<components>", "<components>\n      <!-- team: reviewed by hand -->\n      " + HAND)
                .replace("</verify-signatures>", "</verify-signatures>\n      <trusted-artifacts>\n         "
                        + "<trust group=\"org.example\" reason=\"internal\"/>\n      </trusted-artifacts>");
        Fixture.write(xml, edited);
        Fixture.Result again = f.gradle("--offline", "depgateVerificationMetadata");
        Fixture.assertSuccess(again, "gradle depgateVerificationMetadata (update)");
        String second = Fixture.read(xml);
        assertTrue(second, second.contains("origin=\"added by hand\""));
        assertTrue(second, second.contains("<!-- team: reviewed by hand -->"));
        assertTrue(second, second.contains("<trust group=\"org.example\" reason=\"internal\"/>"));
        assertEquals(second, 1, count(second, "name=\"commons-io-2.11.0.jar\""));
        assertEquals(second, count(first, "<!-- depgate:"), count(second, "<!-- depgate:"));

        validateWithGradle(f, xml);
    }

    /** XSD 1.3, Gradle's own reader, and every sha256 against the file Gradle resolved. */
    private static void validateWithGradle(Fixture f, File xml) throws Exception {
        String jar = System.getProperty("depgate.gradleApiJar", "");
        if (jar.isEmpty() || !new File(jar).isFile()) {
            String why = "SKIPPED: Gradle 8.11.1 API jar not available (" + System.getProperty("depgate.gradleApiWhy", "not set")
                    + "): no XSD / Gradle reader check of verification-metadata.xml";
            if ("1".equals(System.getenv("DEPGATE_REQUIRE_TOOLS"))) {
                fail(why + " (DEPGATE_REQUIRE_TOOLS=1)");
            }
            System.out.println("    " + why);
            return;
        }
        URLClassLoader loader = new URLClassLoader(new URL[] {new File(jar).toURI().toURL()}, null);
        try {
            // 1. Gradle's schema.
            InputStream xsd = loader.getResourceAsStream("org/gradle/schema/dependency-verification-1.3.xsd");
            SchemaFactory sf = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
            sf.newSchema(new StreamSource(xsd)).newValidator().validate(new StreamSource(xml));
            System.out.println("    verification-metadata.xml is valid against dependency-verification-1.3.xsd");

            // 2. Gradle's reader, 3. each sha256 against the bytes Gradle resolved.
            Class<?> reader = loader.loadClass("org.gradle.api.internal.artifacts.verification.serializer.DependencyVerificationsXmlReader");
            Object verifier;
            InputStream in = new FileInputStream(xml);
            try {
                verifier = reader.getMethod("readFromXml", InputStream.class).invoke(null, in);
            } finally {
                in.close();
            }
            Collection<?> components = (Collection<?>) call(verifier, "getVerificationMetadata");
            int checked = 0;
            for (Object c : components) {
                Object id = call(c, "getComponentId");
                String group = (String) call(id, "getGroup");
                String module = (String) call(id, "getModule");
                String version = (String) call(id, "getVersion");
                for (Object a : (List<?>) call(c, "getArtifactVerifications")) {
                    String name = (String) call(a, "getArtifactName");
                    for (Object sum : (List<?>) call(a, "getChecksums")) {
                        if (!"sha256".equals(String.valueOf(call(sum, "getKind"))) || group.equals("org.example")) {
                            continue;
                        }
                        File file = resolvedFile(group, module, version, name);
                        assertEquals("sha256 of " + file, Util.sha256(file), call(sum, "getValue"));
                        checked++;
                    }
                }
            }
            assertTrue("Gradle's reader saw " + components.size() + " components", components.size() >= 4);
            System.out.println("    Gradle 8.11.1 DependencyVerificationsXmlReader read " + components.size()
                    + " components; " + checked + " sha256 values match the resolved files");
        } finally {
            loader.close();
        }
    }

    /** Debian's Gradle uses file repositories in place: the file is in the repository folder. */
    private static File resolvedFile(String group, String module, String version, String name) {
        String rel = group.replace('.', '/') + "/" + module + "/" + version + "/" + name;
        for (File base : new File[] {new File(Fixture.MAVEN_REPO), new File(Fixture.pluginDir(), "build/repo")}) {
            File f = new File(base, rel);
            if (f.isFile()) {
                return f;
            }
        }
        fail("no resolved file for " + rel);
        return null;
    }

    private static Object call(Object target, String method) throws Exception {
        Method m = target.getClass().getMethod(method);
        m.setAccessible(true);
        return m.invoke(target);
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static String repeat(char c, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(c);
        }
        return s.toString();
    }
}
