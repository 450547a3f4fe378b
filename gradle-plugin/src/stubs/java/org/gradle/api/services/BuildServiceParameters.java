package org.gradle.api.services;

/** Compile-only stand-in for Gradle 6.1+'s type of the same name; never packaged. */
public interface BuildServiceParameters {
}
