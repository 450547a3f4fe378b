package dev.depgate.gradle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.util.Map;

import org.junit.Test;

/** Check mode: depgateCheck runs before compilation and fails the build on a denial. */
public class CheckModeTest {
    @Test
    public void singleProjectWithPluginsBlockPasses() throws Exception {
        Fixture f = Fixture.copy("single", false);
        Fixture.Result r = f.gradle("--offline", "compileJava");
        Fixture.assertSuccess(r, "gradle compileJava (check mode)");
        int check = r.output.indexOf(":depgateCheck");
        int compile = r.output.indexOf(":compileJava");
        assertTrue("depgateCheck did not run before compileJava:\n" + r.output, check >= 0 && compile > check);
        assertTrue(r.output, r.output.contains(" 0 denied"));
        Map<String, Object> list = Json.object(Json.parse(Fixture.read(f.file("build/depgate/depgate-resolved.json")), "list"));
        assertEquals("depgate.resolved/v1", list.get("format"));
        boolean sawCommonsIo = false;
        for (Object o : Json.array(list.get("artifacts"))) {
            Map<String, Object> a = Json.object(o);
            if ("commons-io".equals(a.get("name"))) {
                sawCommonsIo = true;
                File jar = new File(Fixture.MAVEN_REPO, "commons-io/commons-io/2.11.0/commons-io-2.11.0.jar");
                assertEquals(Util.sha256(jar), a.get("sha256"));
                assertEquals(Boolean.TRUE, a.get("direct"));
                assertEquals("jar", a.get("extension"));
            }
        }
        assertTrue("commons-io missing from the resolved list", sawCommonsIo);
    }

    @Test
    public void multiProjectWithInitScriptFailsOnADeniedDependencyBeforeCompiling() throws Exception {
        Fixture f = Fixture.copy("multi", true);
        String[] init = Fixture.initScript();
        Fixture.Result r = f.gradle("--offline", init[0], init[1], "-Pdepgate.config=depgate.toml", "-PwithDenied=1", "build");
        assertTrue("the build passed with a denied dependency:\n" + Fixture.tail(r.output), r.status != 0);
        assertTrue(r.output, r.output.contains("Execution failed for task ':depgateCheck'"));
        assertTrue(r.output, r.output.contains("deny pkg:maven/commons-codec/commons-codec@1.15 [banned-package]"));
        assertTrue(r.output, r.output.contains("banned by the fixture policy"));
        assertTrue(r.output, r.output.contains("fix: use commons-lang3 instead"));
        assertFalse("a compile task ran:\n" + r.output, r.output.contains("compileJava"));
        assertFalse(f.file("a/build/classes").exists() || f.file("b/build/classes").exists());

        // The same build without the denied dependency passes and compiles.
        Fixture.Result ok = f.gradle("--offline", init[0], init[1], "-Pdepgate.config=depgate.toml", "compileJava");
        Fixture.assertSuccess(ok, "gradle compileJava without the denied dependency");
        assertTrue(ok.output, ok.output.contains(":a:compileJava"));
    }
}
