package dev.depgate.gradle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import org.gradle.api.GradleException;
import org.junit.Assume;
import org.junit.Before;
import org.junit.Test;

/**
 * The binary resolver against release assets served on 127.0.0.1: a good archive is
 * checked, verified, cached and used (and used again from the cache with the server
 * empty); a wrong sha256, a digest pinned in the plugin that does not match, a bad
 * provenance bundle (refused by the real depgate verify) and an archive without depgate
 * are refused with a message saying why, and leave nothing in the cache.
 */
public class ReleaseBinaryTest {
    private static final String REPO = "depgate-test/depgate";
    private File dir;
    private File home;
    private File real;
    private String version;
    private String target;

    @Before
    public void setUp() throws Exception {
        target = ReleaseServer.hostTarget();
        Assume.assumeTrue("depgate releases no binary for this machine", target != null);
        dir = Files.createTempDirectory("depgate-release").toFile();
        home = new File(dir, "gradle-home");
        real = ReleaseServer.realBinary(dir);
        version = ReleaseServer.versionOf(real);
    }

    private ReleaseBinary resolver(ReleaseServer server, Properties pinned) {
        return new ReleaseBinary(version, null, server.url(), home, new ReleaseBinary.Release(version, REPO, pinned));
    }

    private File cacheDir() {
        return new File(home, "caches/depgate/binaries-v1/" + version + "/" + target);
    }

    private void assertNothingCached() {
        File[] entries = cacheDir().listFiles();
        assertTrue("nothing verified is cached: " + (entries == null ? "[]" : Arrays.toString(entries)),
                entries == null || entries.length == 0);
    }

    @Test
    public void targetsForJvmPlatforms() {
        assertEquals("x86_64-unknown-linux-musl", ReleaseBinary.target("Linux", "amd64"));
        assertEquals("aarch64-unknown-linux-musl", ReleaseBinary.target("Linux", "aarch64"));
        assertEquals("x86_64-apple-darwin", ReleaseBinary.target("Mac OS X", "x86_64"));
        assertEquals("aarch64-apple-darwin", ReleaseBinary.target("Mac OS X", "aarch64"));
        assertNull(ReleaseBinary.target("Windows 11", "amd64"));
        assertNull(ReleaseBinary.target("Linux", "s390x"));
    }

    @Test
    public void goodArchiveIsVerifiedCachedAndUsed() throws Exception {
        File log = new File(dir, "verify-args.txt");
        File assets = new File(dir, "assets");
        assets.mkdirs();
        try (ReleaseServer server = new ReleaseServer(assets)) {
            File archive = server.publish(target, ReleaseServer.recordingDepgate(dir, real, log), "{\"bundle\": \"test\"}");
            String digest = Util.sha256(archive);
            File bin = resolver(server, new Properties()).resolve();
            assertEquals(new File(cacheDir(), digest + "/depgate").getCanonicalPath(), bin.getCanonicalPath());
            assertEquals(version, ReleaseServer.versionOf(bin));
            // depgate verify got the archive, its bundle and the identity of the release workflow.
            List<String> args = Arrays.asList(new String(Files.readAllBytes(log.toPath()), StandardCharsets.UTF_8).split("\n"));
            String name = "depgate-" + target + ".tar.gz";
            assertEquals("verify", args.get(0));
            assertTrue(args.toString(), args.get(1).endsWith("/" + name));
            assertEquals(Arrays.asList("--bundle", args.get(1) + ".sigstore.json", "--subject", name,
                    "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com", "--source-repository", REPO,
                    "--workflow", ".github/workflows/release.yml", "--ref", "refs/tags/v" + version), args.subList(2, args.size()));
            assertEquals(Arrays.asList("/releases/download/v1/" + name + ".sha256", "/releases/download/v1/" + name,
                    "/releases/download/v1/" + name + ".sigstore.json"), server.requests);

            // The second build takes it from the cache: the server is not asked again.
            server.requests.clear();
            for (File f : assets.listFiles()) {
                assertTrue(f.delete());
            }
            assertEquals(bin.getCanonicalPath(), resolver(server, new Properties()).resolve().getCanonicalPath());
            assertEquals(Arrays.asList(), server.requests);

            // A cached binary changed after verification is not used again.
            Files.write(bin.toPath(), "#!/bin/sh\necho tampered\n".getBytes(StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.APPEND);
            try {
                resolver(server, new Properties()).resolve();
                fail("a tampered cache entry was used");
            } catch (GradleException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("answered 404 (no such release asset)"));
            }
        }
    }

    @Test
    public void wrongSha256IsRefused() throws Exception {
        File assets = new File(dir, "assets");
        assets.mkdirs();
        try (ReleaseServer server = new ReleaseServer(assets)) {
            File archive = server.publish(target, real, "{}");
            String name = archive.getName();
            String other = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
            Fixture.write(new File(assets, name + ".sha256"), other + "  " + name + "\n");
            try {
                resolver(server, new Properties()).resolve();
                fail("an archive with the wrong sha256 was used");
            } catch (GradleException e) {
                assertTrue(e.getMessage(), e.getMessage().contains(server.url() + name + " has sha256 " + Util.sha256(archive)
                        + ", but " + server.url() + name + ".sha256 says " + other + ": refusing to use it"));
            }
            assertNothingCached();

            // A digest pinned in the plugin wins over a .sha256 file that matches the archive.
            Fixture.write(new File(assets, name + ".sha256"), Util.sha256(archive) + "  " + name + "\n");
            Properties pinned = new Properties();
            pinned.setProperty("sha256." + target, other);
            try {
                resolver(server, pinned).resolve();
                fail("an archive that does not match the pinned digest was used");
            } catch (GradleException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("but this plugin's release.properties says " + other));
            }
            assertNothingCached();

            // A .sha256 file for another archive is refused too.
            Fixture.write(new File(assets, name + ".sha256"), Util.sha256(archive) + "  depgate-other.tar.gz\n");
            try {
                resolver(server, new Properties()).resolve();
                fail();
            } catch (GradleException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("is not a sha256sum line for " + name));
            }
        }
    }

    @Test
    public void badProvenanceIsRefusedByDepgateVerify() throws Exception {
        File assets = new File(dir, "assets");
        assets.mkdirs();
        try (ReleaseServer server = new ReleaseServer(assets)) {
            // The real depgate this time: a bundle that is no Sigstore bundle must not pass.
            server.publish(target, real, "{\"mediaType\": \"application/vnd.dev.sigstore.bundle.v0.3+json\"}");
            try {
                resolver(server, new Properties()).resolve();
                fail("an archive without valid provenance was used");
            } catch (GradleException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("does not check out (depgate verify exit 1): it was not built by "
                        + REPO + "'s .github/workflows/release.yml for refs/tags/v" + version + "; refusing to use it"));
            }
            assertNothingCached();
        }
    }

    @Test
    public void archiveWithoutDepgateIsRefused() throws Exception {
        File assets = new File(dir, "assets");
        assets.mkdirs();
        try (ReleaseServer server = new ReleaseServer(assets)) {
            File archive = server.publish(target, real, "{}");
            // Repack with the binary under another name.
            File stage = new File(dir, "other");
            stage.mkdirs();
            Files.copy(real.toPath(), new File(stage, "depgate-cli").toPath());
            Process p = new ProcessBuilder("tar", "-czf", archive.getPath(), "-C", stage.getPath(), "depgate-cli").start();
            assertEquals(0, p.waitFor());
            Fixture.write(new File(assets, archive.getName() + ".sha256"), Util.sha256(archive) + "  " + archive.getName() + "\n");
            try {
                resolver(server, new Properties()).resolve();
                fail();
            } catch (GradleException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("has no 'depgate' file at its top; refusing it"));
            }
            assertNothingCached();
        }
    }

    @Test
    public void unknownRepositoryIsAClearError() {
        try {
            new ReleaseBinary(null, null, null, new File("."), new ReleaseBinary.Release("1.0.0", null, new Properties()));
            fail();
        } catch (GradleException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("no depgate binary is configured, and the release repository")
                    && e.getMessage().contains("-Pdepgate.releaseRepository=owner/name"));
        }
        try {
            new ReleaseBinary("v1.0.0", null, null, new File("."), new ReleaseBinary.Release("1.0.0", REPO, new Properties()));
            fail();
        } catch (GradleException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("version 'v1.0.0' is not a depgate release version like 1.2.3"));
        }
        assertEquals("https://github.com/" + REPO + "/releases/download/v1.0.0/",
                new ReleaseBinary(null, null, null, new File("."), new ReleaseBinary.Release("1.0.0", REPO, new Properties())).baseUrl);
    }
}
