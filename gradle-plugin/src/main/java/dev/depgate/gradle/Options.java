package dev.depgate.gradle;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.gradle.api.GradleException;

/**
 * The plugin's settings once resolved, captured at configuration time so task actions and
 * the proxy never reach back into the Project (configuration-cache friendly).
 *
 * Precedence for each setting: the {@code depgate { }} extension, then the project
 * property {@code -Pdepgate.NAME}, then the system property {@code -Ddepgate.NAME}, then an
 * environment variable ({@code DEPGATE_BIN}, {@code DEPGATE_MODE}, {@code DEPGATE_FAIL_ON},
 * {@code DEPGATE_CONFIG}, {@code DEPGATE_CACHE_DIR}, {@code DEPGATE_DOWNLOAD},
 * {@code DEPGATE_RELEASE_URL}).
 */
final class Options implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Where a setting that the build script did not give comes from. */
    interface Properties {
        /** The project (or start-parameter) property {@code name}, or null. */
        String get(String name);
    }

    final String mode;
    final String failOn;
    final String binarySetting;
    final String version;
    final File config;
    final File reportDir;
    final File cacheDir;
    final int port;
    final File projectDir;
    final boolean download;
    final String releaseUrl;
    final String releaseRepository;
    final File gradleUserHome;

    private Options(String mode, String failOn, String binarySetting, String version, File config,
                    File reportDir, File cacheDir, int port, File projectDir, boolean download, String releaseUrl,
                    String releaseRepository, File gradleUserHome) {
        this.mode = mode;
        this.failOn = failOn;
        this.binarySetting = binarySetting;
        this.version = version;
        this.config = config;
        this.reportDir = reportDir;
        this.cacheDir = cacheDir;
        this.port = port;
        this.projectDir = projectDir;
        this.download = download;
        this.releaseUrl = releaseUrl;
        this.releaseRepository = releaseRepository;
        this.gradleUserHome = gradleUserHome;
    }

    /** {@link #resolve(DepgateExtension, Properties, File, File, File)} with the default Gradle user home. */
    static Options resolve(DepgateExtension ext, Properties props, File rootDir, File buildDir) {
        String home = System.getenv("GRADLE_USER_HOME");
        return resolve(ext, props, rootDir, buildDir, home != null ? new File(home) : new File(System.getProperty("user.home"), ".gradle"));
    }

    /**
     * Resolves the settings. {@code ext} may be null (init script at settings time);
     * relative paths are taken from {@code rootDir}; {@code buildDir} holds the default
     * report folder; {@code gradleUserHome} the cache of downloaded depgate binaries.
     */
    static Options resolve(DepgateExtension ext, Properties props, File rootDir, File buildDir, File gradleUserHome) {
        String mode = pick(ext == null ? null : ext.getMode(), props, "mode", "DEPGATE_MODE", "check");
        mode = mode.trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("check") && !mode.equals("proxy")) {
            throw new GradleException("depgate: mode '" + mode + "' is not known: use 'check' (gate the resolved "
                    + "artifacts before compiling) or 'proxy' (resolve through depgate serve), in depgate { mode = '…' } "
                    + "or -Pdepgate.mode=…");
        }
        String failOn = pick(ext == null ? null : ext.getFailOn(), props, "failOn", "DEPGATE_FAIL_ON", "deny");
        failOn = failOn.trim().toLowerCase(Locale.ROOT);
        if (!failOn.equals("deny") && !failOn.equals("warn") && !failOn.equals("never")) {
            throw new GradleException("depgate: failOn '" + failOn + "' is not known: use 'deny' (default), 'warn' or "
                    + "'never', in depgate { failOn = '…' } or -Pdepgate.failOn=…");
        }
        String binary = pick(ext == null ? null : str(ext.getBinary()), props, "binary", "DEPGATE_BIN", null);
        String version = pick(ext == null ? null : ext.getVersion(), props, "version", null, null);
        String config = pick(ext == null ? null : str(ext.getConfig()), props, "config", "DEPGATE_CONFIG", null);
        File configFile = config == null ? null : file(rootDir, config);
        if (configFile == null && new File(rootDir, "depgate.toml").isFile()) {
            configFile = new File(rootDir, "depgate.toml");
        }
        if (configFile != null && !configFile.isFile()) {
            throw new GradleException("depgate: the configuration file " + configFile + " does not exist; fix "
                    + "depgate { config = … } / -Pdepgate.config, or remove it to use depgate's default");
        }
        String report = pick(ext == null ? null : str(ext.getReportDir()), props, "reportDir", null, null);
        File reportDir = report == null ? new File(buildDir, "depgate/report") : file(rootDir, report);
        String cache = pick(ext == null ? null : str(ext.getCacheDir()), props, "cacheDir", "DEPGATE_CACHE_DIR", null);
        String port = pick(ext == null || ext.getPort() == null ? null : String.valueOf(ext.getPort()), props, "port", null, "0");
        int portNumber;
        try {
            portNumber = Integer.parseInt(port.trim());
        } catch (NumberFormatException e) {
            throw new GradleException("depgate: port '" + port + "' is not a number (0 picks a free port)");
        }
        String download = pick(ext == null || ext.getDownload() == null ? null : String.valueOf(ext.getDownload()), props,
                "download", "DEPGATE_DOWNLOAD", "true").trim().toLowerCase(Locale.ROOT);
        if (!download.equals("true") && !download.equals("false")) {
            throw new GradleException("depgate: download '" + download + "' is not true or false (depgate { download = … } "
                    + "or -Pdepgate.download=…)");
        }
        String releaseUrl = pick(ext == null ? null : ext.getReleaseUrl(), props, "releaseUrl", "DEPGATE_RELEASE_URL", null);
        String releaseRepository = pick(null, props, "releaseRepository", null, null);
        return new Options(mode, failOn, binary, version, configFile, reportDir,
                cache == null ? null : file(rootDir, cache), portNumber, rootDir, download.equals("true"), releaseUrl,
                releaseRepository, gradleUserHome);
    }

    /** A properties source reading a start parameter's -P map. */
    static Properties fromMap(final Map<String, String> map) {
        return new Properties() {
            @Override
            public String get(String name) {
                return map.get(name);
            }
        };
    }

    private static String pick(String fromExtension, Properties props, String name, String env, String dflt) {
        if (fromExtension != null && !fromExtension.trim().isEmpty()) {
            return fromExtension;
        }
        String value = props == null ? null : props.get("depgate." + name);
        if (value == null || value.trim().isEmpty()) {
            value = System.getProperty("depgate." + name);
        }
        if ((value == null || value.trim().isEmpty()) && env != null) {
            value = System.getenv(env);
        }
        return value == null || value.trim().isEmpty() ? dflt : value;
    }

    private static String str(Object o) {
        if (o instanceof File) {
            return ((File) o).getPath();
        }
        return o == null ? null : o.toString();
    }

    private static File file(File base, String path) {
        File f = new File(path);
        return f.isAbsolute() ? f : new File(base, path);
    }

    boolean isProxy() {
        return mode.equals("proxy");
    }

    /**
     * The depgate executable: the configured one (extension, -P, -D, DEPGATE_BIN), else the
     * released binary for this machine, downloaded and verified by {@link ReleaseBinary}
     * (the plugin's own version, or {@link #version}); with {@code download = false}
     * instead {@code depgate} on PATH, else ~/.cargo/bin/depgate. Checks {@link #version}
     * when set. Throws a message saying what was tried and what to do.
     */
    File binary() {
        List<String> looked = new ArrayList<String>();
        File found = null;
        if (binarySetting != null) {
            File f = file(projectDir, binarySetting);
            if (!f.isFile()) {
                throw new GradleException("depgate: the depgate binary " + f + " (from depgate { binary = … }, "
                        + "-Pdepgate.binary or DEPGATE_BIN) does not exist. Install depgate (cargo install --path . "
                        + "in the depgate repository) and point that setting at it.");
            }
            found = f;
        }
        if (found == null && download) {
            found = new ReleaseBinary(version, releaseRepository, releaseUrl, gradleUserHome, ReleaseBinary.Release.load()).resolve();
        }
        if (found == null) {
            String path = System.getenv("PATH");
            if (path != null) {
                for (String dir : path.split(File.pathSeparator)) {
                    if (dir.isEmpty()) {
                        continue;
                    }
                    File f = new File(dir, isWindows() ? "depgate.exe" : "depgate");
                    looked.add(f.getPath());
                    if (f.isFile() && f.canExecute()) {
                        found = f;
                        break;
                    }
                }
            }
        }
        if (found == null) {
            File f = new File(System.getProperty("user.home"), ".cargo/bin/depgate");
            looked.add(f.getPath());
            if (f.isFile()) {
                found = f;
            }
        }
        if (found == null) {
            throw new GradleException("depgate: cannot find the depgate binary. Looked at -Pdepgate.binary, "
                    + "-Ddepgate.binary, DEPGATE_BIN (none set) and " + looked + " (downloading the release is off: "
                    + "depgate.download = false). Set depgate { binary = '/path/to/depgate' } "
                    + "in the build script or pass -Pdepgate.binary=/path/to/depgate (a Gradle daemon does not see "
                    + "environment variables set after it started).");
        }
        if (version != null) {
            String got = runVersion(found);
            if (!got.equals("depgate " + version.trim())) {
                throw new GradleException("depgate: the build requires depgate " + version.trim() + " but " + found
                        + " is '" + got + "'. Install that version or change depgate { version = … }.");
            }
        }
        return found;
    }

    private static String runVersion(File binary) {
        try {
            Process p = new ProcessBuilder(binary.getPath(), "--version").redirectErrorStream(true).start();
            InputStream in = p.getInputStream();
            String out = new String(Util.readAll(in), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new GradleException("depgate: " + binary + " --version did not answer within 30 s");
            }
            return out;
        } catch (IOException e) {
            throw new GradleException("depgate: cannot run " + binary + " --version: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GradleException("depgate: interrupted while running " + binary + " --version", e);
        }
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win");
    }

    /** {@code --config} and {@code --cache-dir}, where set: what check and serve both take. */
    void addConfigArgs(java.util.List<String> cmd) {
        if (config != null) {
            cmd.add("--config");
            cmd.add(config.getPath());
        }
        if (cacheDir != null) {
            cmd.add("--cache-dir");
            cmd.add(cacheDir.getPath());
        }
    }
}
