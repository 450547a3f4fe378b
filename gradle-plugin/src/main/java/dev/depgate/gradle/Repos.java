package dev.depgate.gradle;

import org.gradle.api.Action;
import org.gradle.api.artifacts.dsl.RepositoryHandler;
import org.gradle.api.artifacts.repositories.ArtifactRepository;
import org.gradle.api.artifacts.repositories.MavenArtifactRepository;
import org.gradle.api.artifacts.repositories.PasswordCredentials;

/**
 * Proxy mode: a repository handler keeps exactly one repository, the proxy. Repositories
 * the build adds later are removed as they come (the {@code all} callback also runs for
 * future additions), so every resolution goes through depgate.
 */
final class Repos {
    static final String NAME = "depgate";
    /** depgate serve asks for this token when it was started with one. Never logged. */
    static final String TOKEN_ENV = "DEPGATE_PROXY_TOKEN";

    private Repos() {
    }

    static void redirect(final RepositoryHandler handler, final String url) {
        handler.all(new Action<ArtifactRepository>() {
            @Override
            public void execute(ArtifactRepository repo) {
                if (!isProxy(repo, url)) {
                    handler.remove(repo);
                }
            }
        });
        for (ArtifactRepository repo : handler) {
            if (isProxy(repo, url)) {
                return;
            }
        }
        handler.maven(new Action<MavenArtifactRepository>() {
            @Override
            public void execute(MavenArtifactRepository repo) {
                repo.setName(NAME);
                repo.setUrl(url);
                final String token = System.getenv(TOKEN_ENV);
                if (token != null && !token.isEmpty()) {
                    repo.credentials(new Action<PasswordCredentials>() {
                        @Override
                        public void execute(PasswordCredentials c) {
                            c.setUsername("depgate");
                            c.setPassword(token);
                        }
                    });
                }
            }
        });
    }

    private static boolean isProxy(ArtifactRepository repo, String url) {
        return repo instanceof MavenArtifactRepository && NAME.equals(repo.getName())
                && url.equals(String.valueOf(((MavenArtifactRepository) repo).getUrl()));
    }
}
