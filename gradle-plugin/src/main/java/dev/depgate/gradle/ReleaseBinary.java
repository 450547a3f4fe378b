package dev.depgate.gradle;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.gradle.api.GradleException;
import org.gradle.api.logging.Logger;
import org.gradle.api.logging.Logging;

/**
 * The released depgate binary for the build machine, when the build names none: downloads
 * {@code depgate-<target>.tar.gz}, its {@code .sha256} and {@code .sigstore.json} from the
 * release, checks the archive's sha256 (against the digest pinned in this plugin's
 * {@code release.properties} when the release wrote one there, else against the
 * {@code .sha256} file), unpacks {@code depgate}, and lets it verify the archive's SLSA
 * provenance ({@code depgate verify … --source-repository … --workflow
 * .github/workflows/release.yml --ref refs/tags/v<version>}). Anything that fails is
 * refused with the reason; nothing unverified is ever returned or cached.
 *
 * Verified binaries are cached under the Gradle user home in
 * {@code caches/depgate/binaries-v1/<version>/<target>/<archive sha256>/}; a cache entry
 * is used again only while the binary still has the digest recorded when it was verified.
 *
 * This class owns the plugin's only outbound requests (plain GETs with timeouts; proxies
 * from the JVM's standard https.proxyHost settings). It never prints credentials: release
 * URLs carry none.
 */
final class ReleaseBinary implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logging.getLogger(ReleaseBinary.class);
    private static final String WORKFLOW = ".github/workflows/release.yml";
    private static final String ISSUER = "https://token.actions.githubusercontent.com";
    private static final long MAX_ARCHIVE = 1L << 30;
    private static final Pattern SHA256_LINE = Pattern.compile("^([0-9a-f]{64})\\s+\\*?(\\S+)\\s*$");

    /** The release this plugin was built for: release.properties inside the jar. */
    static final class Release implements Serializable {
        private static final long serialVersionUID = 1L;
        final String version;
        final String repository;
        final Properties pinned;

        Release(String version, String repository, Properties pinned) {
            this.version = version;
            this.repository = repository;
            this.pinned = pinned;
        }

        /** The digest the release pinned for {@code target}, or null. */
        String pinnedSha256(String target) {
            return pinned.getProperty("sha256." + target);
        }

        static Release load() {
            Properties p = new Properties();
            InputStream in = ReleaseBinary.class.getResourceAsStream("release.properties");
            if (in != null) {
                try {
                    try {
                        p.load(in);
                    } finally {
                        in.close();
                    }
                } catch (IOException e) {
                    throw new GradleException("depgate: cannot read the plugin's release.properties: " + e.getMessage(), e);
                }
            }
            return new Release(p.getProperty("version"), p.getProperty("repository"), p);
        }
    }

    final String version;
    final String repository;
    final String baseUrl;
    final File cacheRoot;
    final Release release;

    /**
     * {@code version}: the depgate version to get (default: the plugin's own);
     * {@code repository}: owner/name whose release workflow must have built it (default:
     * the plugin's); {@code baseUrl}: where the assets are (default: that GitHub release);
     * {@code gradleUserHome}: where the cache lives.
     */
    ReleaseBinary(String version, String repository, String baseUrl, File gradleUserHome, Release release) {
        this.release = release;
        this.version = version != null ? version.trim() : release.version;
        this.repository = repository != null ? repository.trim() : release.repository;
        if (this.version == null) {
            throw new GradleException("depgate: this build of the plugin does not know its depgate version; set "
                    + "depgate { binary = '/path/to/depgate' } or depgate { version = '…' }");
        }
        if (!this.version.matches("[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?")) {
            throw new GradleException("depgate: version '" + this.version + "' is not a depgate release version like 1.2.3 "
                    + "(no leading v); fix depgate { version = … } / -Pdepgate.version");
        }
        if (this.repository == null || !this.repository.matches("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")) {
            throw new GradleException("depgate: no depgate binary is configured, and the release repository to download "
                    + "one from is " + (this.repository == null ? "unknown (a plugin built without it)" : "'" + this.repository
                    + "', not owner/name") + ". Set depgate { binary = '/path/to/depgate' }, or "
                    + "-Pdepgate.releaseRepository=owner/name");
        }
        String base = baseUrl != null ? baseUrl.trim()
                : "https://github.com/" + this.repository + "/releases/download/v" + this.version + "/";
        this.baseUrl = base.endsWith("/") ? base : base + "/";
        this.cacheRoot = new File(gradleUserHome, "caches/depgate/binaries-v1");
    }

    /** The release target for a JVM's os.name/os.arch, or null when depgate has no build for it. */
    static String target(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        String cpu = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : null;
        if (cpu == null) {
            return null;
        }
        if (os.startsWith("linux")) {
            return cpu + "-unknown-linux-musl";
        }
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return cpu + "-apple-darwin";
        }
        return null;
    }

    /** The verified binary for this machine: from the cache, else downloaded and verified. */
    File resolve() {
        String osName = System.getProperty("os.name", "");
        String osArch = System.getProperty("os.arch", "");
        String target = target(osName, osArch);
        if (target == null) {
            throw new GradleException("depgate: depgate releases no binary for " + osName + " " + osArch + " (only Linux and "
                    + "macOS on x86_64 and aarch64). Build it from source (cargo install --locked --path . in a depgate "
                    + "checkout) and set depgate { binary = '/path/to/depgate' }");
        }
        File dir = new File(cacheRoot, version + "/" + target);
        File cached = cached(dir);
        if (cached != null) {
            return cached;
        }
        try {
            return download(target, dir);
        } catch (IOException e) {
            throw new GradleException("depgate: cannot download depgate " + version + " for " + target + " from " + baseUrl
                    + ": " + e.getMessage() + ". Check the network (or -Pdepgate.releaseUrl for a mirror), or set "
                    + "depgate { binary = '/path/to/depgate' }", e);
        }
    }

    /** A cache entry whose binary still has the digest recorded at verification, or null. */
    private static File cached(File dir) {
        File[] entries = dir.listFiles();
        if (entries == null) {
            return null;
        }
        for (File entry : entries) {
            File bin = new File(entry, "depgate");
            File verified = new File(entry, "verified.properties");
            if (entry.getName().startsWith(".") || !bin.isFile() || !verified.isFile()) {
                continue;
            }
            try {
                Properties p = new Properties();
                p.load(new java.io.StringReader(Util.read(verified)));
                if (Util.sha256(bin).equals(p.getProperty("binary.sha256")) && bin.canExecute()) {
                    return bin;
                }
                LOG.warn("depgate: the cached binary " + bin + " no longer has the digest it was verified with; ignoring it");
            } catch (IOException e) {
                LOG.warn("depgate: cannot read the cache entry " + entry + ": " + e.getMessage());
            }
        }
        return null;
    }

    private File download(String target, File dir) throws IOException {
        String name = "depgate-" + target + ".tar.gz";
        if (!dir.isDirectory() && !dir.mkdirs()) {
            throw new IOException("cannot create the cache folder " + dir);
        }
        File work = Files.createTempDirectory(dir.toPath(), ".download-").toFile();
        try {
            String expected = expectedSha256(target, name, work);
            File archive = new File(work, name);
            fetch(baseUrl + name, archive, MAX_ARCHIVE);
            String actual = Util.sha256(archive);
            if (!actual.equals(expected)) {
                throw new GradleException("depgate: " + baseUrl + name + " has sha256 " + actual + ", but " + expectedFrom(target, name)
                        + " says " + expected + ": refusing to use it (a corrupted download or a tampered release). "
                        + "Try again; if it persists, report it to the depgate maintainers");
            }
            File bundle = new File(work, name + ".sigstore.json");
            fetch(baseUrl + name + ".sigstore.json", bundle, 16L << 20);
            File bin = new File(work, "depgate");
            if (!TarGz.extract(archive, "depgate", bin)) {
                throw new GradleException("depgate: " + baseUrl + name + " has no 'depgate' file at its top; refusing it");
            }
            if (!bin.setExecutable(true, false)) {
                throw new IOException("cannot make " + bin + " executable");
            }
            verifyProvenance(bin, archive, bundle, name);
            checkVersion(bin);
            String binarySha = Util.sha256(bin);
            Util.writeAtomically(new File(work, "verified.properties"), "archive=" + baseUrl + name + "\narchive.sha256=" + actual
                    + "\nbinary.sha256=" + binarySha + "\nsource.repository=" + repository + "\nref=refs/tags/v" + version + "\n");
            Files.delete(archive.toPath());
            File entry = new File(dir, actual);
            try {
                Files.move(work.toPath(), entry.toPath(), StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // Another build verified the same archive first: use that one.
                LOG.info("depgate: " + entry + " was filled by another build");
            } catch (IOException e) {
                if (!new File(entry, "verified.properties").isFile()) {
                    throw e;
                }
            }
            File result = cached(dir);
            if (result == null) {
                throw new IOException("the verified binary did not land in the cache folder " + entry);
            }
            LOG.lifecycle("depgate: using depgate " + version + " (" + target + ") from " + baseUrl + name + ": sha256 " + actual
                    + (release.pinnedSha256(target) != null && version.equals(release.version) ? " (pinned in the plugin)" : "")
                    + ", provenance verified (" + repository + ", " + WORKFLOW + ", refs/tags/v" + version + ")");
            return result;
        } finally {
            deleteTree(work);
        }
    }

    /** The sha256 the archive must have: pinned in the plugin for its own version, else the release's .sha256 file. */
    private String expectedSha256(String target, String name, File work) throws IOException {
        String pinned = version.equals(release.version) ? release.pinnedSha256(target) : null;
        if (pinned != null) {
            return pinned;
        }
        File sumFile = new File(work, name + ".sha256");
        fetch(baseUrl + name + ".sha256", sumFile, 4096);
        String first = Util.read(sumFile).split("\n", 2)[0];
        Matcher m = SHA256_LINE.matcher(first);
        if (!m.matches() || !m.group(2).equals(name)) {
            throw new GradleException("depgate: " + baseUrl + name + ".sha256 is not a sha256sum line for " + name + " ('"
                    + first.trim() + "'); refusing the download");
        }
        return m.group(1);
    }

    private String expectedFrom(String target, String name) {
        return version.equals(release.version) && release.pinnedSha256(target) != null
                ? "this plugin's release.properties" : baseUrl + name + ".sha256";
    }

    private void verifyProvenance(File bin, File archive, File bundle, String name) {
        List<String> cmd = new ArrayList<String>();
        cmd.add(bin.getPath());
        cmd.add("verify");
        cmd.add(archive.getPath());
        cmd.add("--bundle");
        cmd.add(bundle.getPath());
        cmd.add("--subject");
        cmd.add(name);
        cmd.add("--certificate-oidc-issuer");
        cmd.add(ISSUER);
        cmd.add("--source-repository");
        cmd.add(repository);
        cmd.add("--workflow");
        cmd.add(WORKFLOW);
        cmd.add("--ref");
        cmd.add("refs/tags/v" + version);
        Run r = run(cmd);
        if (r.status != 0) {
            throw new GradleException("depgate: the provenance of " + baseUrl + name + " does not check out (depgate verify "
                    + "exit " + r.status + "): it was not built by " + repository + "'s " + WORKFLOW + " for refs/tags/v" + version
                    + "; refusing to use it.\n" + Util.tail(r.output, 20));
        }
    }

    private void checkVersion(File bin) {
        List<String> cmd = new ArrayList<String>();
        cmd.add(bin.getPath());
        cmd.add("--version");
        Run r = run(cmd);
        if (r.status != 0 || !r.output.trim().equals("depgate " + version)) {
            throw new GradleException("depgate: the downloaded binary says '" + r.output.trim() + "', not 'depgate " + version
                    + "'; refusing to use it");
        }
    }

    private static final class Run {
        final int status;
        final String output;

        Run(int status, String output) {
            this.status = status;
            this.output = output;
        }
    }

    private static Run run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(Util.readAll(p.getInputStream()), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new GradleException("depgate: " + String.join(" ", cmd) + " did not finish within 120 s");
            }
            return new Run(p.exitValue(), out);
        } catch (IOException e) {
            throw new GradleException("depgate: cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GradleException("depgate: interrupted while running " + cmd.get(0), e);
        }
    }

    /** GET {@code url} into {@code out}; fails on a non-200 answer or more than {@code limit} bytes. */
    private void fetch(String url, File out, long limit) throws IOException {
        URLConnection c = new URL(url).openConnection();
        c.setConnectTimeout(30_000);
        c.setReadTimeout(60_000);
        c.setRequestProperty("User-Agent", "depgate-gradle-plugin/" + release.version);
        if (c instanceof HttpURLConnection) {
            HttpURLConnection h = (HttpURLConnection) c;
            h.setInstanceFollowRedirects(true);
            int status = h.getResponseCode();
            if (status != 200) {
                h.disconnect();
                throw new IOException("GET " + url + " answered " + status + (status == 404 ? " (no such release asset)" : ""));
            }
        }
        InputStream in = c.getInputStream();
        try {
            OutputStream os = new FileOutputStream(out);
            try {
                byte[] buf = new byte[65536];
                long total = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    total += n;
                    if (total > limit) {
                        throw new IOException(url + " is larger than " + limit + " bytes");
                    }
                    os.write(buf, 0, n);
                }
            } finally {
                os.close();
            }
        } finally {
            in.close();
        }
    }

    private static void deleteTree(File f) {
        File[] children = f.listFiles();
        if (children != null) {
            for (File c : children) {
                deleteTree(c);
            }
        }
        if (f.exists() && !f.delete()) {
            LOG.info("depgate: could not delete " + f);
        }
    }
}
