package dev.depgate.gradle;

import java.io.File;
import java.lang.reflect.Method;

import org.gradle.api.Action;
import org.gradle.api.Plugin;
import org.gradle.api.Project;
import org.gradle.api.artifacts.dsl.RepositoryHandler;
import org.gradle.api.initialization.Settings;
import org.gradle.api.invocation.Gradle;

/**
 * Applied by the init script (init/depgate.gradle) to builds that do not declare the
 * plugin, e.g. on CI. Settings come from {@code -Pdepgate.*} (then -D, then env).
 *
 * In proxy mode it starts the proxy as soon as the settings are read, so the plugin
 * management repositories, the settings' dependency repositories (Gradle 6.8+) and every
 * project's build script repositories go through depgate as well; then, once the root
 * project is evaluated, it applies {@link DepgatePlugin} unless the build already did.
 */
public class DepgateInitPlugin implements Plugin<Gradle> {
    @Override
    public void apply(final Gradle gradle) {
        gradle.settingsEvaluated(new Action<Settings>() {
            @Override
            public void execute(Settings settings) {
                Options options = Options.resolve(null, Options.fromMap(gradle.getStartParameter().getProjectProperties()),
                        settings.getRootDir(), new File(settings.getRootDir(), "build"), gradle.getGradleUserHomeDir());
                if (!options.isProxy()) {
                    return;
                }
                final String url = ProxyHolder.urlFor(gradle, options);
                Repos.redirect(settings.getPluginManagement().getRepositories(), url);
                RepositoryHandler central = settingsRepositories(settings);
                if (central != null) {
                    Repos.redirect(central, url);
                }
                gradle.allprojects(new Action<Project>() {
                    @Override
                    public void execute(Project p) {
                        Repos.redirect(p.getBuildscript().getRepositories(), url);
                        Repos.redirect(p.getRepositories(), url);
                    }
                });
            }
        });
        gradle.rootProject(new Action<Project>() {
            @Override
            public void execute(final Project root) {
                DepgatePlugin.whenEvaluated(root, new Runnable() {
                    @Override
                    public void run() {
                        if (!root.getPluginManager().hasPlugin(DepgatePlugin.ID)
                                && root.getExtensions().findByName("depgate") == null) {
                            root.getPluginManager().apply(DepgatePlugin.class);
                        }
                    }
                });
            }
        });
    }

    /** Gradle 6.8+: {@code settings.dependencyResolutionManagement.repositories}, else null. */
    private static RepositoryHandler settingsRepositories(Settings settings) {
        try {
            Method m = Settings.class.getMethod("getDependencyResolutionManagement");
            Object drm = m.invoke(settings);
            return (RepositoryHandler) drm.getClass().getMethod("getRepositories").invoke(drm);
        } catch (NoSuchMethodException e) {
            return null;
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
