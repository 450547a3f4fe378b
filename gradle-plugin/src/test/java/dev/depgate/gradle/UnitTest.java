package dev.depgate.gradle;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.gradle.api.GradleException;
import org.junit.Test;

/** The pure parts, without Gradle: JSON, file names, the XML editor, settings. */
public class UnitTest {
    @Test
    public void jsonRoundTrip() {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        m.put("s", "a \"q\" \\ \n é");
        m.put("l", Arrays.asList("x", Boolean.TRUE, null));
        Object back = Json.parse(Json.write(m), "test");
        assertEquals(m, back);
        assertEquals(3.0, Json.object(Json.parse("{\"n\": 3}", "t")).get("n"));
        try {
            Json.parse("{\"a\": }", "broken.json");
            fail();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("broken.json: invalid JSON at offset"));
        }
    }

    @Test
    public void classifierAndExtensionFromFileNames() {
        assertArrayEquals(new String[] {"", "jar"}, DepgateResolveTask.classifierAndExtension("a", "1.0", "a-1.0.jar"));
        assertArrayEquals(new String[] {"sources", "jar"}, DepgateResolveTask.classifierAndExtension("a", "1.0", "a-1.0-sources.jar"));
        assertArrayEquals(new String[] {"linux-x86_64", "jar"},
                DepgateResolveTask.classifierAndExtension("n", "4.1.Final", "n-4.1.Final-linux-x86_64.jar"));
        assertArrayEquals(new String[] {"", "tar.gz"}, DepgateResolveTask.classifierAndExtension("a", "1", "a-1.tar.gz"));
        assertArrayEquals(new String[] {"", "jar"}, DepgateResolveTask.classifierAndExtension("hamcrest", "debian", "hamcrest-debian.jar"));
    }

    @Test
    public void xmlKeepsOtherBytesAndRefusesToOverwrite() throws Exception {
        File dir = Files.createTempDirectory("depgate-xml").toFile();
        File f = new File(dir, "verification-metadata.xml");
        VerificationXml xml = VerificationXml.load(f);
        assertNull(xml.trust("g", "n", "1", "n-1.jar", "ab", "allowed from x"));
        Fixture.write(f, xml.render());
        VerificationXml again = VerificationXml.load(f);
        List<String> others = again.trust("g", "n", "1", "n-1.jar", "cd", "allowed from x");
        assertEquals(Arrays.asList("ab"), others);
        assertNull(again.trust("g", "n", "1", "n-1.jar", "ab", "allowed from y"));
        String text = again.render();
        assertTrue(text, text.contains("<!-- depgate: allowed from y -->"));
        assertTrue(text, !text.contains("allowed from x"));
    }

    @Test
    public void unknownModeIsAClearError() throws Exception {
        File dir = Files.createTempDirectory("depgate-opt").toFile();
        try {
            Options.resolve(null, Options.fromMap(java.util.Collections.singletonMap("depgate.mode", "proxi")), dir, dir);
            fail();
        } catch (GradleException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("mode 'proxi' is not known: use 'check'"));
        }
        Options o = Options.resolve(null, Options.fromMap(java.util.Collections.singletonMap("depgate.binary", "nope/depgate")), dir, dir);
        try {
            o.binary();
            fail();
        } catch (GradleException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("nope/depgate") && e.getMessage().contains("does not exist"));
        }
        assertNotNull(o.reportDir);

        // The binary resolver's settings: download on by default, a clear error for a bad value.
        Options dflt = Options.resolve(null, Options.fromMap(java.util.Collections.<String, String>emptyMap()), dir, dir, dir);
        assertTrue(dflt.download);
        assertNull(dflt.releaseUrl);
        Map<String, String> props = new LinkedHashMap<String, String>();
        props.put("depgate.download", "FALSE");
        props.put("depgate.releaseUrl", "https://mirror.example/depgate/");
        Options off = Options.resolve(null, Options.fromMap(props), dir, dir, dir);
        assertTrue(!off.download);
        assertEquals("https://mirror.example/depgate/", off.releaseUrl);
        try {
            Options.resolve(null, Options.fromMap(java.util.Collections.singletonMap("depgate.download", "maybe")), dir, dir, dir);
            fail();
        } catch (GradleException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("download 'maybe' is not true or false"));
        }
    }
}
