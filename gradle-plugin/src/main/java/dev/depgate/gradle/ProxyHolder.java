package dev.depgate.gradle;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import java.util.WeakHashMap;

import org.gradle.BuildResult;
import org.gradle.api.Action;
import org.gradle.api.GradleException;
import org.gradle.api.invocation.Gradle;
import org.gradle.api.plugins.ExtensionAware;
import org.gradle.api.plugins.ExtraPropertiesExtension;

/**
 * One proxy per build. The init script's copy of the plugin and a plugins {} copy live in
 * different class loaders, so the URL of a running proxy is shared through the Gradle
 * object's extra properties, not a static field.
 *
 * Gradle 6.1+: a shared build service ({@link ServiceRegistrar}) owns the process. Gradle
 * 4.4 to 6.0: this class starts it and stops it from buildFinished.
 */
final class ProxyHolder {
    static final String URL_PROPERTY = "depgate.proxyUrl";
    private static final Map<Gradle, String> FALLBACK = new WeakHashMap<Gradle, String>();

    private ProxyHolder() {
    }

    /** The proxy's Maven URL for this build, starting depgate serve if nobody did yet. */
    static synchronized String urlFor(Gradle gradle, Options options) {
        String url = existing(gradle);
        if (url != null) {
            return url;
        }
        if (hasBuildServices()) {
            try {
                Class<?> registrar = Class.forName("dev.depgate.gradle.ServiceRegistrar", true,
                        ProxyHolder.class.getClassLoader());
                url = (String) registrar.getDeclaredMethod("start", Gradle.class, Options.class).invoke(null, gradle, options);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException) {
                    throw (RuntimeException) cause;
                }
                throw new GradleException("depgate: cannot start the proxy build service: " + cause, cause);
            } catch (ReflectiveOperationException e) {
                throw new GradleException("depgate: cannot register the proxy build service: " + e, e);
            }
        } else {
            final ProxyProcess process = ProxyProcess.start(options);
            gradle.buildFinished(new Action<BuildResult>() {
                @Override
                public void execute(BuildResult result) {
                    process.stop(result.getFailure() != null);
                }
            });
            url = process.url();
        }
        remember(gradle, url);
        return url;
    }

    static synchronized String existing(Gradle gradle) {
        if (gradle instanceof ExtensionAware) {
            ExtraPropertiesExtension extra = ((ExtensionAware) gradle).getExtensions().getExtraProperties();
            return extra.has(URL_PROPERTY) ? String.valueOf(extra.get(URL_PROPERTY)) : null;
        }
        return FALLBACK.get(gradle);
    }

    private static void remember(Gradle gradle, String url) {
        if (gradle instanceof ExtensionAware) {
            ((ExtensionAware) gradle).getExtensions().getExtraProperties().set(URL_PROPERTY, url);
        } else {
            FALLBACK.put(gradle, url);
        }
    }

    static boolean hasBuildServices() {
        try {
            Gradle.class.getMethod("getSharedServices");
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
