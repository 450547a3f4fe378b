package dev.depgate.gradle;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import org.gradle.api.Action;
import org.gradle.api.GradleException;
import org.gradle.api.Plugin;
import org.gradle.api.Project;
import org.gradle.api.tasks.compile.AbstractCompile;

/**
 * {@code dev.depgate}, applied to the root project; it covers every project of the build.
 *
 * <ul>
 * <li>check mode (default): each project gets {@code depgateResolve}; the root's
 * {@code depgateCheck} merges their lists and runs {@code depgate check --resolved}; every
 * compile task depends on it, so a denied dependency stops the build before compiling.</li>
 * <li>proxy mode: {@code depgate serve} runs for the build's lifetime ({@link ProxyHolder})
 * and becomes every project's only repository ({@link Repos}).</li>
 * <li>{@code depgateVerificationMetadata}: gradle/verification-metadata.xml from what
 * depgateCheck allowed.</li>
 * </ul>
 *
 * Settings are read once the root project is evaluated (so the {@code depgate { }} block
 * counts) and handed to tasks as plain values.
 */
public class DepgatePlugin implements Plugin<Project> {
    static final String ID = "dev.depgate";

    @Override
    public void apply(final Project project) {
        if (project != project.getRootProject()) {
            throw new GradleException("depgate: apply the " + ID + " plugin to the root project (it covers every "
                    + "project of the build); " + project.getPath() + " is not the root. Move "
                    + "`id '" + ID + "'` to the root build.gradle.");
        }
        if (project.getExtensions().findByName("depgate") != null) {
            return; // already applied (by the init script and the build)
        }
        final DepgateExtension ext = project.getExtensions().create("depgate", DepgateExtension.class);
        final DepgateCheckTask check = project.getTasks().create("depgateCheck", DepgateCheckTask.class);
        final VerificationMetadataTask metadata = project.getTasks().create("depgateVerificationMetadata",
                VerificationMetadataTask.class);
        metadata.dependsOn(check);
        project.getGradle().getTaskGraph().whenReady(new Action<org.gradle.api.execution.TaskExecutionGraph>() {
            @Override
            public void execute(org.gradle.api.execution.TaskExecutionGraph graph) {
                check.download(graph.hasTask(metadata));
            }
        });
        whenEvaluated(project, new Runnable() {
            @Override
            public void run() {
                configureBuild(project, ext, check, metadata);
            }
        });
    }

    private static void configureBuild(Project root, DepgateExtension ext, final DepgateCheckTask check,
                                       VerificationMetadataTask metadata) {
        final Options options = Options.resolve(ext, properties(root), root.getRootDir(), buildDir(root),
                root.getGradle().getGradleUserHomeDir());
        File work = new File(buildDir(root), "depgate");
        if (options.isProxy()) {
            String url = ProxyHolder.urlFor(root.getGradle(), options);
            for (Project p : root.getAllprojects()) {
                Repos.redirect(p.getBuildscript().getRepositories(), url);
                Repos.redirect(p.getRepositories(), url);
            }
        }
        // depgateCheck reads this list; each project adds its part once it is evaluated.
        final List<File> parts = new ArrayList<File>();
        File list = new File(work, "depgate-resolved.json");
        check.capture(options, parts, list, "depgate-gradle-plugin " + version() + ", Gradle " + root.getGradle().getGradleVersion());
        metadata.capture(list, new File(work, "decisions.json"), new File(root.getRootDir(), "gradle/verification-metadata.xml"));
        for (final Project p : root.getAllprojects()) {
            final DepgateResolveTask resolve = p.getTasks().create("depgateResolve", DepgateResolveTask.class);
            check.dependsOn(resolve);
            whenEvaluated(p, new Runnable() {
                @Override
                public void run() {
                    File part = new File(buildDir(p), "depgate/resolved-part.json");
                    resolve.capture(p, part);
                    parts.add(part);
                    if (!options.isProxy()) {
                        p.getTasks().withType(AbstractCompile.class, new Action<AbstractCompile>() {
                            @Override
                            public void execute(AbstractCompile compile) {
                                compile.dependsOn(check);
                            }
                        });
                    }
                }
            });
        }
    }

    /** Runs now when the project is evaluated already (plugin applied late), else after. */
    static void whenEvaluated(Project project, final Runnable action) {
        if (project.getState().getExecuted()) {
            action.run();
            return;
        }
        project.afterEvaluate(new Action<Project>() {
            @Override
            public void execute(Project p) {
                action.run();
            }
        });
    }

    /**
     * The project's build folder: {@code layout.buildDirectory} where it exists as a
     * provider (Gradle 8 deprecates getBuildDir(), 9 removes it), else getBuildDir().
     * By reflection because the return types differ between 4.4 and 8.x.
     */
    @SuppressWarnings("deprecation")
    static File buildDir(Project project) {
        try {
            Object layout = Project.class.getMethod("getLayout").invoke(project);
            Object dir = layout.getClass().getMethod("getBuildDirectory").invoke(layout);
            Object value = dir.getClass().getMethod("get").invoke(dir);
            Object file = value.getClass().getMethod("getAsFile").invoke(value);
            if (file instanceof File) {
                return (File) file;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Gradle 4.4: no such provider; fall through
        }
        return project.getBuildDir();
    }

    private static Options.Properties properties(final Project project) {
        return new Options.Properties() {
            @Override
            public String get(String name) {
                Object value = project.findProperty(name);
                return value == null ? null : value.toString();
            }
        };
    }

    static String version() {
        String v = DepgatePlugin.class.getPackage() == null ? null : DepgatePlugin.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
