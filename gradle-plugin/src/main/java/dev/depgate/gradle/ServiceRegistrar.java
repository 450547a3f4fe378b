package dev.depgate.gradle;

import org.gradle.api.Action;
import org.gradle.api.invocation.Gradle;
import org.gradle.api.provider.Provider;
import org.gradle.api.services.BuildServiceRegistry;
import org.gradle.api.services.BuildServiceSpec;

/**
 * Registers {@link ProxyBuildService} with Gradle 6.1+'s shared services. Loaded by name
 * from {@link ProxyHolder} only when {@code Gradle.getSharedServices()} exists, so Gradle 4.4
 * never links against the missing types.
 */
final class ServiceRegistrar {
    private ServiceRegistrar() {
    }

    /** Called reflectively: returns the proxy URL. */
    static String start(Gradle gradle, final Options options) throws Exception {
        // Gradle 4.4's Gradle interface has no getSharedServices(): reach it by reflection.
        BuildServiceRegistry registry = (BuildServiceRegistry) Gradle.class.getMethod("getSharedServices").invoke(gradle);
        Provider<ProxyBuildService> service = registry.registerIfAbsent("depgateProxy", ProxyBuildService.class,
                new Action<BuildServiceSpec<ProxyBuildService.Params>>() {
                    @Override
                    public void execute(BuildServiceSpec<ProxyBuildService.Params> spec) {
                        spec.getParameters().getOptions().set(options);
                    }
                });
        return service.get().url();
    }
}
