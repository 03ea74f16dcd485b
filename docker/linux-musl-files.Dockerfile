# The Linux side of examples/musl-files: the same main.c built with glibc, and strace to trace it.
#   docker/base.sh && docker build -f docker/linux-musl-files.Dockerfile -t ukhook-linux-musl-files .
#   docker run --rm ukhook-linux-musl-files                                   # the workload alone
#   ./ukhook linux --image ukhook-linux-musl-files -- /opt/musl-files         # traced, charged per object
# (the build context is the repository's root; BASE=debian:bookworm where a registry is reachable)
ARG BASE=ukhook-debian:bookworm
FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev strace \
    && rm -rf /var/lib/apt/lists/*
COPY examples/musl-files/main.c /src/musl-files/main.c
RUN gcc -O1 -DMUSL_FILES_PATH='"/tmp/musl-files.tmp"' -o /opt/musl-files /src/musl-files/main.c
CMD ["/opt/musl-files"]
