package dev.depgate.gradle;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A fixture build copied to a temporary folder, with its own depgate.toml and a private
 * GRADLE_USER_HOME, run by Debian's real {@code gradle} in a child process.
 *
 * System properties set by scripts/test.sh: {@code depgate.bin} (the depgate binary),
 * {@code depgate.pluginDir} (gradle-plugin/), {@code depgate.pluginVersion}.
 */
final class Fixture {
    static final String MAVEN_REPO = "/usr/share/maven-repo";

    final File dir;
    final File home;
    private final File root;

    /** The output of one gradle run. */
    static final class Result {
        final int status;
        final String output;
        final double seconds;

        Result(int status, String output, double seconds) {
            this.status = status;
            this.output = output;
            this.seconds = seconds;
        }
    }

    private Fixture(File root, File dir, File home) {
        this.root = root;
        this.dir = dir;
        this.home = home;
    }

    static String prop(String name) {
        String v = System.getProperty(name);
        if (v == null) {
            fail("system property " + name + " is not set; run the tests with gradle-plugin/scripts/test.sh");
        }
        return v;
    }

    static File pluginDir() {
        return new File(prop("depgate.pluginDir"));
    }

    static File libs() {
        return new File(pluginDir(), "build/libs");
    }

    /** Copies fixtures/{@code name} (and common.gradle), fills in the plugin repository and version. */
    static Fixture copy(String name, boolean denyPolicy) throws IOException {
        File root = Files.createTempDirectory("depgate-gradle-" + name).toFile();
        File dir = new File(root, name);
        File fixtures = new File(pluginDir(), "src/test/fixtures");
        copyTree(new File(fixtures, name).toPath(), dir.toPath());
        Files.copy(new File(fixtures, "common.gradle").toPath(), new File(dir, "common.gradle").toPath());
        String repo = new File(pluginDir(), "build/repo").toURI().toString();
        for (File f : Arrays.asList(new File(dir, "settings.gradle"), new File(dir, "build.gradle"))) {
            String text = read(f).replace("@PLUGIN_REPO@", repo).replace("@VERSION@", prop("depgate.pluginVersion"));
            write(f, text);
        }
        // Hermetic chain: Debian's Maven repository, then the folder holding this plugin
        // (the plugins {} variant has it on the build script classpath).
        StringBuilder toml = new StringBuilder();
        toml.append("[maven]\nchain = [\"debian\", \"plugins\"]\n\n");
        toml.append("[upstream.debian]\nkind = \"dir\"\npath = \"" + MAVEN_REPO + "\"\ntier = \"curated\"\n\n");
        toml.append("[upstream.plugins]\nkind = \"dir\"\npath = \"" + new File(pluginDir(), "build/repo").getPath()
                + "\"\ntier = \"curated\"\n\n");
        toml.append("[policy]\n");
        if (denyPolicy) {
            toml.append("files = [\"policy/*.rego\"]\n");
            File policy = new File(dir, "policy/banned.rego");
            policy.getParentFile().mkdirs();
            write(policy, "package depgate\n\n"
                    + "deny contains {\n"
                    + "\t\"rule\": \"banned-package\",\n"
                    + "\t\"msg\": sprintf(\"%s: banned by the fixture policy\", [input.package.purl]),\n"
                    + "\t\"remedy\": \"use commons-lang3 instead\",\n"
                    + "} if {\n"
                    + "\tinput.package.name == \"commons-codec:commons-codec\"\n"
                    + "}\n");
        }
        toml.append("quarantine_days = 0\nrequire = \"none\"\n");
        write(new File(dir, "depgate.toml"), toml.toString());
        return new Fixture(root, dir, new File(root, "gradle-home"));
    }

    /** {@code gradle --no-daemon} in the fixture with {@code args}; the depgate binary by -P. */
    Result gradle(String... args) throws Exception {
        List<String> cmd = new ArrayList<String>(Arrays.asList("gradle", "--no-daemon", "--console=plain", "--stacktrace",
                "-g", home.getPath(), "-p", dir.getPath(), "-Pdepgate.binary=" + prop("depgate.bin")));
        cmd.addAll(Arrays.asList(args));
        File log = new File(root, "gradle-" + System.nanoTime() + ".log");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).directory(dir).redirectErrorStream(true).redirectOutput(log).start();
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("gradle " + args[args.length - 1] + " did not finish within 240 s; log: " + log);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String out = read(log);
        System.out.printf("    gradle %s: exit %d in %.1f s%n", String.join(" ", args), p.exitValue(), seconds);
        return new Result(p.exitValue(), out, seconds);
    }

    /** The init script's arguments (the CI way of applying the plugin). */
    static String[] initScript() {
        return new String[] {"-I", new File(libs(), "depgate.gradle").getPath()};
    }

    File file(String path) {
        return new File(dir, path);
    }

    static void assertSuccess(Result r, String what) {
        assertTrue(what + " failed (exit " + r.status + "):\n" + tail(r.output), r.status == 0);
    }

    static String tail(String text) {
        String[] lines = text.split("\n");
        StringBuilder out = new StringBuilder();
        for (int i = Math.max(0, lines.length - 60); i < lines.length; i++) {
            if (!lines[i].startsWith("\tat ")) {
                out.append(lines[i]).append('\n');
            }
        }
        return out.toString();
    }

    static List<String> lines(File f) throws IOException {
        List<String> out = new ArrayList<String>();
        for (String l : read(f).split("\n")) {
            if (!l.trim().isEmpty()) {
                out.add(l.trim());
            }
        }
        return out;
    }

    static String read(File f) throws IOException {
        return new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8);
    }

    static void write(File f, String text) throws IOException {
        Files.write(f.toPath(), text.getBytes(StandardCharsets.UTF_8));
    }

    private static void copyTree(final Path from, final Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<Path>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(d).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Files.copy(f, to.resolve(from.relativize(f).toString()));
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
