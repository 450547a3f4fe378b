package org.gradle.api.services;

import org.gradle.api.Action;

/** Compile-only stand-in for Gradle 6.1+'s type of the same name; never packaged. */
public interface BuildServiceSpec<P extends BuildServiceParameters> {
    P getParameters();

    void parameters(Action<? super P> configureAction);
}
