package dev.depgate.gradle;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.gradle.api.GradleException;
import org.gradle.api.logging.Logger;
import org.gradle.api.logging.Logging;

/**
 * One {@code depgate serve} process: started with a ready file, stopped with SIGTERM so it
 * writes its report and audit log. Knows nothing about Gradle's lifecycle; {@link ProxyHolder}
 * decides when to start and stop it.
 */
final class ProxyProcess {
    private static final Logger LOG = Logging.getLogger(ProxyProcess.class);
    private static final long READY_TIMEOUT_MS = 60_000;

    private final Process process;
    private final String url;
    private final File reportDir;
    private final File log;
    private final Thread shutdownHook;

    private ProxyProcess(Process process, String url, File reportDir, File log) {
        this.process = process;
        this.url = url;
        this.reportDir = reportDir;
        this.log = log;
        // Safety net: a JVM that exits without Gradle's build-finished signal (kill, crash
        // of the build) still stops the proxy.
        this.shutdownHook = new Thread(new Runnable() {
            @Override
            public void run() {
                ProxyProcess.this.process.destroy();
            }
        }, "depgate-proxy-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The proxy's Maven repository URL ({@code http://127.0.0.1:PORT/maven/…}). */
    String url() {
        return url;
    }

    /** Starts {@code depgate serve} and waits until its ready file says it listens. */
    static ProxyProcess start(Options options) {
        File binary = options.binary();
        File reportDir = options.reportDir;
        File work = reportDir.getParentFile();
        if (!reportDir.isDirectory() && !reportDir.mkdirs()) {
            throw new GradleException("depgate: cannot create the report folder " + reportDir);
        }
        File ready = new File(work, "serve-ready.json");
        File log = new File(work, "serve.log");
        if (ready.exists() && !ready.delete()) {
            throw new GradleException("depgate: cannot remove the stale " + ready);
        }
        List<String> cmd = new ArrayList<String>();
        cmd.add(binary.getPath());
        cmd.add("serve");
        cmd.add("--color");
        cmd.add("never");
        cmd.add("--project");
        cmd.add(options.projectDir.getPath());
        options.addConfigArgs(cmd);
        cmd.add("--port");
        cmd.add(String.valueOf(options.port));
        cmd.add("--out");
        cmd.add(reportDir.getPath());
        cmd.add("--ready-file");
        cmd.add(ready.getPath());
        Process process;
        try {
            process = new ProcessBuilder(cmd).directory(options.projectDir).redirectErrorStream(true)
                    .redirectOutput(log).start();
        } catch (IOException e) {
            throw new GradleException("depgate: cannot start " + binary + " serve: " + e.getMessage(), e);
        }
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        try {
            while (true) {
                if (ready.isFile() && ready.length() > 0) {
                    String text = Util.read(ready);
                    Map<String, Object> doc;
                    try {
                        doc = Json.object(Json.parse(text, ready.getPath()));
                    } catch (IllegalArgumentException partial) {
                        // written but not complete yet: try again
                        Thread.sleep(50);
                        continue;
                    }
                    String maven = Json.string(doc.get("maven"));
                    if (maven == null) {
                        process.destroy();
                        throw new GradleException("depgate: " + ready + " has no 'maven' URL; is " + binary
                                + " too old for this plugin?");
                    }
                    Object pid = doc.get("pid");
                    String pidText = pid instanceof Double ? String.valueOf(((Double) pid).longValue()) : String.valueOf(pid);
                    LOG.lifecycle("depgate: proxy mode, resolving through " + maven + " (depgate serve pid " + pidText
                            + ", report: " + reportDir + ")");
                    return new ProxyProcess(process, maven, reportDir, log);
                }
                if (!process.isAlive()) {
                    throw new GradleException("depgate serve exited with status " + process.exitValue()
                            + " before listening:\n" + Util.tail(Util.read(log), 20) + "(full log: " + log + ")");
                }
                if (System.currentTimeMillis() > deadline) {
                    process.destroy();
                    throw new GradleException("depgate serve did not write " + ready + " within "
                            + READY_TIMEOUT_MS / 1000 + " s; its log is " + log);
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            process.destroy();
            throw new GradleException("depgate: cannot read " + ready + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            throw new GradleException("depgate: interrupted while waiting for depgate serve", e);
        }
    }

    /**
     * SIGTERM, then wait for the report to be written (forcibly after 60 s), then print
     * what the proxy blocked. {@code buildFailed}: whether the build failed (null when
     * unknown, as for a build service).
     */
    void stop(Boolean buildFailed) {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs anyway
        }
        if (!process.isAlive()) {
            LOG.warn("depgate: the proxy had already exited with status " + process.exitValue() + "; see " + log);
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                LOG.warn("depgate: the proxy did not stop within 60 s of SIGTERM; killing it (its report may be incomplete)");
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                return;
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return;
        }
        LOG.lifecycle("depgate: proxy stopped; audit log and report in " + reportDir);
        sayBlocked(buildFailed);
    }

    /**
     * The proxy's blocked list (from its decisions.json) where the user reads the build's
     * output: an error when the build failed (a refusal or a held-back version is the
     * likely cause), a warning otherwise.
     */
    private void sayBlocked(Boolean buildFailed) {
        String blocked = ProxyReport.blocked(reportDir);
        if (blocked.isEmpty()) {
            return;
        }
        String where = "(report: " + new File(reportDir, "summary.md") + ")";
        if (Boolean.TRUE.equals(buildFailed)) {
            LOG.error("depgate: the build failed, and the proxy blocked these (a version held back from listings reads as"
                    + " 'Could not find' in Gradle, a refused file as status 403) " + where + ":\n" + blocked);
        } else {
            LOG.warn("depgate: the proxy blocked these " + where + ":\n" + blocked);
        }
    }
}
