# escape=`
# Made for depgate's tests: backtick escape, heredocs, global and stage ARGs.
ARG REGISTRY=ghcr.io
ARG BASE=${REGISTRY}/acme/base:1.2
ARG UNSET

FROM ${BASE} AS build
RUN <<EOF
FROM not-an-instruction:inside-a-heredoc
EOF
ARG REGISTRY
COPY --from=${REGISTRY}/acme/tools:2 `
  # a comment inside a continued line
  /bin/tool /bin/tool
RUN --mount=type=bind,from=quay.io/org/cache@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,target=/c true

from --platform=linux/arm64/v8 localhost:5000/team/app as final
COPY --from=build /out /
COPY --from=0 /out /x
