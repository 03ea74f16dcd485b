# The Linux side of examples/nginx: Debian's nginx (1.22.1; the unikernel's lib-nginx builds 1.15.6) configured as
# the example is (one process, no daemon, no access log, the same page), wrk, and strace.
#   docker/base.sh && docker build -f docker/linux-nginx.Dockerfile -t ukhook-linux-nginx .
#   docker run --rm ukhook-linux-nginx                      # the experiment's workload: the server under wrk
#   ./ukhook linux --image ukhook-linux-nginx --load /opt/nginx-load -- nginx -c /opt/nginx.conf   # traced
ARG BASE=ukhook-debian:bookworm
FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends nginx-light wrk strace \
    && rm -rf /var/lib/apt/lists/*
COPY examples/nginx/rootfs/nginx/html/index.html /opt/html/index.html
RUN printf 'daemon off;\nmaster_process off;\nworker_processes 1;\nerror_log stderr;\nevents { worker_connections 64; }\nhttp { access_log off; server { listen 8080; root /opt/html; } }\n' > /opt/nginx.conf \
    && printf '#!/bin/bash\nuntil (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; do sleep 0.1; done\nexec wrk -t1 -c10 -d10s --latency http://127.0.0.1:8080/\n' > /opt/nginx-load \
    && printf '#!/bin/sh\nnginx -c /opt/nginx.conf &\n/opt/nginx-load\nkill %%1\n' > /opt/experiment \
    && chmod +x /opt/nginx-load /opt/experiment
CMD ["/opt/experiment"]
