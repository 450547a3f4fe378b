package org.gradle.api.services;

import org.gradle.api.Action;
import org.gradle.api.provider.Provider;

/** Compile-only stand-in for Gradle 6.1+'s type of the same name; never packaged. */
public interface BuildServiceRegistry {
    <T extends BuildService<P>, P extends BuildServiceParameters> Provider<T> registerIfAbsent(
            String name, Class<T> implementationType, Action<? super BuildServiceSpec<P>> configureAction);
}
