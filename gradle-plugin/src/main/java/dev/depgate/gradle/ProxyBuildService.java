package dev.depgate.gradle;

import org.gradle.api.provider.Property;
import org.gradle.api.services.BuildService;
import org.gradle.api.services.BuildServiceParameters;

/**
 * Gradle 6.1+: the proxy as a shared build service. Gradle closes it (SIGTERM to depgate
 * serve) when the build is over. Only loaded by {@link ServiceRegistrar}, i.e. only on a
 * Gradle that has build services; on 4.4 to 6.0 {@link ProxyHolder} uses buildFinished.
 */
public abstract class ProxyBuildService implements BuildService<ProxyBuildService.Params>, AutoCloseable {
    /** The resolved plugin settings, captured at configuration time. */
    public interface Params extends BuildServiceParameters {
        Property<Options> getOptions();
    }

    private ProxyProcess process;

    /** Starts depgate serve on first use; its Maven URL. */
    public synchronized String url() {
        if (process == null) {
            process = ProxyProcess.start(getParameters().getOptions().get());
        }
        return process.url();
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            // A build service is not told whether the build failed.
            process.stop(null);
            process = null;
        }
    }
}
