# The Linux side of examples/sqlite: the same main.c, built against Debian's SQLite (3.40.1, the version lib-sqlite
# builds), and strace to trace it.
#   docker/base.sh && docker build -f docker/linux-sqlite.Dockerfile -t ukhook-linux-sqlite .
#   docker run --rm ukhook-linux-sqlite                                       # the workload alone
#   ./ukhook linux --image ukhook-linux-sqlite -- /opt/sqlite-example         # traced, charged per object
ARG BASE=ukhook-debian:bookworm
FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev libsqlite3-dev strace \
    && rm -rf /var/lib/apt/lists/*
COPY examples/sqlite/main.c /src/sqlite/main.c
RUN gcc -O1 -DSQLITE_DB_PATH='"/tmp/ukhook.db"' -o /opt/sqlite-example /src/sqlite/main.c -lsqlite3
CMD ["/opt/sqlite-example"]
