package dev.depgate.gradle;

/**
 * The {@code depgate { }} block. Every setting is optional; an unset one falls back to the
 * project property {@code -Pdepgate.<name>}, then the system property
 * {@code -Ddepgate.<name>}, then an environment variable (see {@link Options}).
 *
 * <pre>
 * depgate {
 *     mode = 'check'            // or 'proxy'
 *     failOn = 'deny'           // 'deny' (default), 'warn', 'never'
 *     config = file('depgate.toml')
 *     binary = '/opt/depgate/bin/depgate'   // or: version = '0.1.0' to require that version
 *     // without a binary: the release for this machine is downloaded and verified
 *     // download = false                  // look on PATH instead
 *     // releaseUrl = 'https://mirror.example/depgate/v0.1.0/'
 * }
 * </pre>
 *
 * Plain JavaBean properties (not {@code Property<T>}) so the same block works from Gradle 4.4.
 */
public class DepgateExtension {
    private Object binary;
    private String version;
    private Object config;
    private String mode;
    private String failOn;
    private Object reportDir;
    private Object cacheDir;
    private Integer port;
    private Boolean download;
    private String releaseUrl;

    /** Path to the depgate executable (a String or File). Default: DEPGATE_BIN, then the downloaded release. */
    public Object getBinary() {
        return binary;
    }

    public void setBinary(Object binary) {
        this.binary = binary;
    }

    /** The depgate version the build requires; the binary found must report it. */
    public String getVersion() {
        return version;
    }

    public void setVersion(String version) {
        this.version = version;
    }

    /** depgate.toml to use. Default: depgate.toml in the root project, else depgate's own default. */
    public Object getConfig() {
        return config;
    }

    public void setConfig(Object config) {
        this.config = config;
    }

    /** {@code check} (default): gate the resolved artifacts before compiling. {@code proxy}: resolve through depgate serve. */
    public String getMode() {
        return mode;
    }

    public void setMode(String mode) {
        this.mode = mode;
    }

    /** {@code deny} (default), {@code warn} or {@code never}; see docs/gradle-plugin.md. */
    public String getFailOn() {
        return failOn;
    }

    public void setFailOn(String failOn) {
        this.failOn = failOn;
    }

    /** depgate's report folder. Default: build/depgate/report in the root project. */
    public Object getReportDir() {
        return reportDir;
    }

    public void setReportDir(Object reportDir) {
        this.reportDir = reportDir;
    }

    /** depgate's cache folder (--cache-dir). Default: depgate's own. */
    public Object getCacheDir() {
        return cacheDir;
    }

    public void setCacheDir(Object cacheDir) {
        this.cacheDir = cacheDir;
    }

    /** Proxy port; 0 (default) picks a free one. */
    public Integer getPort() {
        return port;
    }

    public void setPort(Integer port) {
        this.port = port;
    }

    /**
     * Without a configured binary: download the released depgate for this machine (true,
     * default), checked by sha256 and SLSA provenance and cached in the Gradle user home;
     * false looks for {@code depgate} on PATH instead.
     */
    public Boolean getDownload() {
        return download;
    }

    public void setDownload(Boolean download) {
        this.download = download;
    }

    /**
     * Where the release assets are (a folder URL holding {@code depgate-<target>.tar.gz},
     * its {@code .sha256} and {@code .sigstore.json}). Default: the plugin's GitHub release.
     */
    public String getReleaseUrl() {
        return releaseUrl;
    }

    public void setReleaseUrl(String releaseUrl) {
        this.releaseUrl = releaseUrl;
    }
}
