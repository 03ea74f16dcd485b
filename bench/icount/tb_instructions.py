#!/usr/bin/env python3
# tb_instructions.py LOG IMAGE.dbg: instructions executed per function, from a QEMU -d in_asm,exec,nochain log:
# each translated block's executions times its instructions, charged to the function symbol at or before it.
import sys, re, bisect, collections, subprocess
log, img = sys.argv[1], sys.argv[2]
syms=[]
for l in subprocess.run(['nm','-n',img],capture_output=True,text=True).stdout.splitlines():
    p=l.split()
    if len(p)==3 and p[1] in 'Tt': syms.append((int(p[0],16),p[2]))
addrs=[a for a,_ in syms]
size={}; cur=None; n=0
execs=collections.Counter()
tr=re.compile(r'^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/')
ins=re.compile(r'^0x([0-9a-f]+):')
for l in open(log, errors='replace'):
    m=tr.match(l)
    if m:
        if cur is not None: size[cur]=max(size.get(cur,0),n); cur=None
        execs[int(m.group(1),16)]+=1; continue
    if l.startswith('IN:'):
        if cur is not None: size[cur]=max(size.get(cur,0),n)
        cur=None; n=0; continue
    m=ins.match(l)
    if m:
        if cur is None: cur=int(m.group(1),16)
        n+=1
if cur is not None: size[cur]=max(size.get(cur,0),n)
out=collections.Counter()
for pc,c in execs.items():
    i=bisect.bisect_right(addrs,pc)-1
    out[syms[i][1] if i>=0 else '?']+=c*size.get(pc,0)
for k,v in out.items(): print(k, v)
