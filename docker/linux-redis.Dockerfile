# The Linux side of examples/redis: Debian's Redis (7.0.15; the unikernel's lib-redis builds 7.0.11), its
# redis-benchmark, and strace.
#   docker/base.sh && docker build -f docker/linux-redis.Dockerfile -t ukhook-linux-redis .
#   docker run --rm ukhook-linux-redis                      # the experiment's workload: the server under the benchmark
#   ./ukhook linux --image ukhook-linux-redis --load /opt/redis-load -- \
#       redis-server --port 6379 --protected-mode no --save '' --appendonly no     # traced, charged per object
ARG BASE=ukhook-debian:bookworm
FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends redis-server redis-tools strace \
    && rm -rf /var/lib/apt/lists/*
# The load of RedisIT and the README: it waits for the server, then 2000 SETs and GETs from 10 clients.
RUN printf '#!/bin/sh\nuntil redis-cli ping >/dev/null 2>&1; do sleep 0.1; done\nexec redis-benchmark -n 2000 -c 10 -t set,get -q\n' \
      > /opt/redis-load && chmod +x /opt/redis-load \
    && printf '#!/bin/sh\nredis-server --port 6379 --protected-mode no --save "" --appendonly no >/dev/null &\n/opt/redis-load\nredis-cli shutdown nosave\n' \
      > /opt/experiment && chmod +x /opt/experiment
CMD ["/opt/experiment"]
