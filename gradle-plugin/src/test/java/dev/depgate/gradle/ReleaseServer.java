package dev.depgate.gradle;

import static org.junit.Assert.assertEquals;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;

/**
 * Release assets like the release workflow's, served over HTTP on 127.0.0.1 from a
 * folder: {@code depgate-<target>.tar.gz} with {@code depgate} at the top, its
 * {@code .sha256} (sha256sum format) and {@code .sigstore.json}. Records every request path.
 */
final class ReleaseServer implements AutoCloseable {
    final File dir;
    final HttpServer server;
    final List<String> requests = Collections.synchronizedList(new ArrayList<String>());

    ReleaseServer(File dir) throws IOException {
        this.dir = dir;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requests.add(path);
            File f = new File(dir, path.substring(path.lastIndexOf('/') + 1));
            byte[] body = f.isFile() ? Files.readAllBytes(f.toPath()) : "not found".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(f.isFile() ? 200 : 404, body.length);
            OutputStream os = exchange.getResponseBody();
            os.write(body);
            os.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/releases/download/v1/";
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** The depgate binary the tests run: -Ddepgate.bin, stripped into {@code dir} when strip is there. */
    static File realBinary(File dir) throws Exception {
        File copy = new File(dir, "depgate-real");
        Files.copy(new File(Fixture.prop("depgate.bin")).toPath(), copy.toPath());
        // A release build is stripped; a debug build's symbols only make the archive slow to pack.
        try {
            new ProcessBuilder("strip", copy.getPath()).redirectErrorStream(true).start().waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            System.out.println("    (no strip: the archive keeps the debug symbols)");
        }
        assertEquals(true, copy.setExecutable(true));
        return copy;
    }

    /** The version the depgate binary reports, without the "depgate " prefix. */
    static String versionOf(File binary) throws Exception {
        Process p = new ProcessBuilder(binary.getPath(), "--version").redirectErrorStream(true).start();
        String out = new String(Util.readAll(p.getInputStream()), StandardCharsets.UTF_8).trim();
        p.waitFor(30, TimeUnit.SECONDS);
        return out.replaceFirst("^depgate ", "");
    }

    /**
     * A test double for the archive's {@code depgate}: {@code verify} records its arguments
     * in {@code log} and succeeds, everything else runs the real binary. A real Sigstore bundle
     * for an archive made here cannot be signed from Java (it needs the Rust test PKI), so the
     * resolver's handling of a verified archive is tested with this double, and the real
     * binary refusing a bad bundle separately; the real positive provenance check is the Rust
     * release test's (tests/release.rs).
     */
    static File recordingDepgate(File dir, File real, File log) throws IOException {
        File f = new File(dir, "depgate-recording");
        Fixture.write(f, "#!/bin/sh\n"
                + "if [ \"$1\" = verify ]; then printf '%s\\n' \"$@\" > '" + log.getPath() + "'; exit 0; fi\n"
                + "exec '" + real.getPath() + "' \"$@\"\n");
        assertEquals(true, f.setExecutable(true));
        return f;
    }

    /** Writes depgate-{@code target}.tar.gz holding {@code exe} as {@code depgate}, and its .sha256; returns the archive. */
    File publish(String target, File exe, String bundle) throws Exception {
        File stage = Files.createTempDirectory(dir.toPath(), ".stage").toFile();
        Files.copy(exe.toPath(), new File(stage, "depgate").toPath());
        String name = "depgate-" + target + ".tar.gz";
        File archive = new File(dir, name);
        Process p = new ProcessBuilder("tar", "-czf", archive.getPath(), "-C", stage.getPath(), "depgate")
                .redirectErrorStream(true).start();
        String out = new String(Util.readAll(p.getInputStream()), StandardCharsets.UTF_8);
        assertEquals("tar: " + out, 0, p.waitFor());
        new File(stage, "depgate").delete();
        stage.delete();
        Fixture.write(new File(dir, name + ".sha256"), Util.sha256(archive) + "  " + name + "\n");
        Fixture.write(new File(dir, name + ".sigstore.json"), bundle);
        return archive;
    }

    /** This machine's release target (the tests run only where depgate has one). */
    static String hostTarget() {
        return ReleaseBinary.target(System.getProperty("os.name"), System.getProperty("os.arch"));
    }
}
