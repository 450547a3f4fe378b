package dev.depgate.gradle;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.gradle.api.Action;
import org.gradle.api.DefaultTask;
import org.gradle.api.GradleException;
import org.gradle.api.Project;
import org.gradle.api.artifacts.ArtifactCollection;
import org.gradle.api.artifacts.ArtifactView;
import org.gradle.api.artifacts.Configuration;
import org.gradle.api.artifacts.ConfigurationContainer;
import org.gradle.api.artifacts.Dependency;
import org.gradle.api.artifacts.ExternalModuleDependency;
import org.gradle.api.artifacts.component.ComponentIdentifier;
import org.gradle.api.artifacts.component.ModuleComponentIdentifier;
import org.gradle.api.artifacts.dsl.RepositoryHandler;
import org.gradle.api.artifacts.repositories.ArtifactRepository;
import org.gradle.api.artifacts.repositories.MavenArtifactRepository;
import org.gradle.api.artifacts.result.ResolvedArtifactResult;
import org.gradle.api.specs.Spec;
import org.gradle.api.tasks.TaskAction;

/**
 * Per project: resolves every resolvable configuration (and the build script's) and writes
 * this project's part of the resolved-artifact list. The root's {@code depgateCheck} merges
 * the parts. What to resolve is captured by {@code capture(Project)} at configuration
 * time; the action touches only the captured artifact collections, never the Project.
 */
public class DepgateResolveTask extends DefaultTask {
    /** One configuration to resolve. */
    private static final class Conf {
        final String name;
        final ArtifactCollection artifacts;
        final Set<String> direct;
        final String repository;

        Conf(String name, ArtifactCollection artifacts, Set<String> direct, String repository) {
            this.name = name;
            this.artifacts = artifacts;
            this.direct = direct;
            this.repository = repository;
        }
    }

    private final List<Conf> confs = new ArrayList<Conf>();
    private File output;
    private String projectPath;

    public DepgateResolveTask() {
        setGroup("verification");
        setDescription("Resolves this project's configurations for depgate (part of depgateCheck).");
        getOutputs().upToDateWhen(new Spec<org.gradle.api.Task>() {
            @Override
            public boolean isSatisfiedBy(org.gradle.api.Task task) {
                return false;
            }
        });
    }

    /** This project's part of the list (read by depgateCheck). */
    File output() {
        return output;
    }

    /** Captures what to resolve; call once the project is evaluated. */
    void capture(Project project, File output) {
        this.output = output;
        this.projectPath = project.getPath();
        confs.clear();
        add(project.getBuildscript().getConfigurations(), project.getBuildscript().getRepositories());
        add(project.getConfigurations(), project.getRepositories());
    }

    private void add(ConfigurationContainer container, RepositoryHandler repositories) {
        String repository = singleRepository(repositories);
        for (Configuration conf : container) {
            if (!conf.isCanBeResolved()) {
                continue;
            }
            Set<String> direct = new TreeSet<String>();
            for (Dependency d : conf.getAllDependencies()) {
                if (d instanceof ExternalModuleDependency) {
                    direct.add(d.getGroup() + ":" + d.getName());
                }
            }
            // Only artifacts of external modules: project dependencies are the build's own.
            ArtifactCollection artifacts = conf.getIncoming().artifactView(new Action<ArtifactView.ViewConfiguration>() {
                @Override
                public void execute(ArtifactView.ViewConfiguration view) {
                    view.componentFilter(new Spec<ComponentIdentifier>() {
                        @Override
                        public boolean isSatisfiedBy(ComponentIdentifier id) {
                            return id instanceof ModuleComponentIdentifier;
                        }
                    });
                }
            }).getArtifacts();
            confs.add(new Conf(conf.getName(), artifacts, direct, repository));
        }
    }

    /**
     * Gradle 4.4 does not say which repository served a file: the URL is recorded only
     * when the project declares exactly one Maven repository.
     */
    private static String singleRepository(RepositoryHandler repositories) {
        String url = null;
        int count = 0;
        for (ArtifactRepository repo : repositories) {
            count++;
            if (repo instanceof MavenArtifactRepository) {
                url = String.valueOf(((MavenArtifactRepository) repo).getUrl());
            }
        }
        if (count != 1 || url == null) {
            return null;
        }
        return url.endsWith("/") ? url : url + "/";
    }

    @TaskAction
    public void resolve() throws IOException {
        Map<String, Map<String, Object>> entries = new TreeMap<String, Map<String, Object>>();
        for (Conf conf : confs) {
            Set<ResolvedArtifactResult> results;
            try {
                results = conf.artifacts.getArtifacts();
            } catch (RuntimeException e) {
                throw new GradleException("depgate: cannot resolve " + projectPath + " configuration '" + conf.name
                        + "': " + e.getMessage() + "\nFix the dependency, or run without depgate to see Gradle's own error.", e);
            }
            for (ResolvedArtifactResult result : results) {
                ComponentIdentifier component = result.getId().getComponentIdentifier();
                if (!(component instanceof ModuleComponentIdentifier)) {
                    continue;
                }
                ModuleComponentIdentifier id = (ModuleComponentIdentifier) component;
                File file = result.getFile();
                String[] ce = classifierAndExtension(id.getModule(), id.getVersion(), file.getName());
                String key = id.getGroup() + ":" + id.getModule() + ":" + id.getVersion() + ":" + ce[0] + ":" + ce[1];
                Map<String, Object> entry = entries.get(key);
                if (entry == null) {
                    entry = new LinkedHashMap<String, Object>();
                    entry.put("group", id.getGroup());
                    entry.put("name", id.getModule());
                    entry.put("version", id.getVersion());
                    if (!ce[0].isEmpty()) {
                        entry.put("classifier", ce[0]);
                    }
                    entry.put("extension", ce[1]);
                    entry.put("sha256", Util.sha256(file));
                    entry.put("file", file.getName());
                    if (conf.repository != null) {
                        entry.put("repository", conf.repository);
                    }
                    entry.put("configurations", new TreeSet<String>());
                    entry.put("direct", Boolean.FALSE);
                    entry.put("path", file.getAbsolutePath());
                    entries.put(key, entry);
                }
                @SuppressWarnings("unchecked")
                Set<String> names = (Set<String>) entry.get("configurations");
                names.add(conf.name);
                if (conf.direct.contains(id.getGroup() + ":" + id.getModule())) {
                    entry.put("direct", Boolean.TRUE);
                }
            }
        }
        Map<String, Object> doc = new LinkedHashMap<String, Object>();
        doc.put("project", projectPath);
        doc.put("artifacts", new ArrayList<Object>(entries.values()));
        Util.writeAtomically(output, Json.write(doc));
    }

    /**
     * Maven file names are {@code name-version[-classifier].extension}; Gradle 4.4's public
     * API gives the file, not the classifier, so it is read back from the name.
     */
    static String[] classifierAndExtension(String module, String version, String fileName) {
        String prefix = module + "-" + version;
        if (fileName.startsWith(prefix)) {
            String rest = fileName.substring(prefix.length());
            if (rest.startsWith("-")) {
                int dot = rest.indexOf('.');
                if (dot > 1) {
                    return new String[] {rest.substring(1, dot), rest.substring(dot + 1)};
                }
            } else if (rest.startsWith(".") && rest.length() > 1) {
                return new String[] {"", rest.substring(1)};
            }
        }
        int dot = fileName.lastIndexOf('.');
        return new String[] {"", dot > 0 ? fileName.substring(dot + 1) : "jar"};
    }
}
