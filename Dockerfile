# depgate as a container image (ghcr.io/<owner>/depgate, built and signed by
# .github/workflows/release.yml):
#   docker run --rm -v "$PWD:/work" -w /work ghcr.io/<owner>/depgate check
#
# Stage 1 builds a static binary on Alpine (musl); stage 2 is distroless `static`: no shell,
# no package manager, no libc, only CA certificates and /etc/passwd, running as the
# `nonroot` user (65532). Both bases are pinned by digest; the tag beside each is for
# people, the digest is what is pulled.

FROM rust:1.95-alpine@sha256:606fd313a0f49743ee2a7bd49a0914bab7deedb12791f3a846a34a4711db7ed2 AS build
# The image already has gcc and musl-dev: enough for aws-lc-sys (rustls' crypto) and a
# static link against musl, so nothing is installed.
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY testdata/demo ./testdata/demo
COPY policy ./policy
COPY schema ./schema
# The PostgreSQL audit schema's migrations, compiled into the binary.
COPY migrations ./migrations
COPY README.md ./
RUN cargo build --release --locked \
 && install -D -m 0755 target/release/depgate /out/depgate \
 && /out/depgate --version

FROM gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639
COPY --from=build /out/depgate /usr/local/bin/depgate
# distroless' `nonroot` user, by number (a runtime cannot resolve names without a passwd
# lookup of its own).
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["depgate"]
CMD ["--help"]
