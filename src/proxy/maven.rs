//! Maven repository layout for the proxy: request paths and `maven-metadata.xml`.
