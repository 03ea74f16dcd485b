#!/usr/bin/env python3
"""Calls per request of server runs (ukhook trace or ukhook linux run directories), over all libraries/objects:
each run's results.json counts divided by its requests (--requests N, or wrk's "N requests in" in its load.log),
then the median and range over the runs. docs/linux-vs-unikraft.md shows what it printed.

  bench/per-request.py [--requests N] RUN_DIR... [--calls read,write,select+epoll_wait,...]
"""
import argparse, json, re, statistics, sys

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument('runs', nargs='+', metavar='RUN_DIR')
p.add_argument('--requests', type=int, help='requests per run (else wrk\'s count in load.log)')
p.add_argument('--calls', default='read,write,recvfrom,open+openat,stat+fstat+fstatat+newfstatat,pread64,writev,'
               'close,select,epoll_wait,clock_gettime,accept+accept4',
               help='comma-separated syscalls; a+b sums them')
a = p.parse_args()
rows, reqs = {}, []
for run in a.runs:
    try:
        r = json.load(open(run + '/results.json'))
    except (OSError, ValueError) as e:
        sys.exit(f'per-request: {run}: no readable results.json ({e})')
    if r.get('missing') or r.get('problems'):
        sys.exit(f'per-request: {run}: the run lost calls or has problems; its counts are not exact')
    total = {}
    for lib in r['libraries'].values():
        for name, n in lib['syscalls'].items():
            total[name] = total.get(name, 0) + n
    n = a.requests
    if n is None:
        m = re.search(r'(\d+) requests in', open(run + '/load.log', errors='replace').read())
        if not m:
            sys.exit(f'per-request: {run}: no "N requests in" in load.log; give --requests N')
        n = int(m.group(1))
    reqs.append(n)
    for c in a.calls.split(','):
        rows.setdefault(c, []).append(sum(total.get(x, 0) for x in c.split('+')) / n)
    rows.setdefault('all calls', []).append(sum(total.values()) / n)
print(f'{len(a.runs)} runs, requests median {statistics.median(reqs):g} ({min(reqs)}-{max(reqs)})')
for c, v in rows.items():
    print(f'  {c:32s} {statistics.median(v):7.2f} ({min(v):.2f}-{max(v):.2f})')
