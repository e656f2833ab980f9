"""Bytes and fsyncs a trainer spent on metrics/ (train.csv and planning_metrics.csv, including the
temporary files that atomic rewrites go through), from an `strace -f -e trace=openat,write,fsync,fdatasync,close`
log. Usage: metrics_io.py <strace log>"""
import re
import sys

fds = {}
written = 0
syncs = 0
opened = re.compile(r'openat\(AT_FDCWD, "([^"]+)".*\)\s+= (\d+)')
write = re.compile(r'write\((\d+), .*\)\s+= (\d+)')
sync = re.compile(r'f(?:data)?sync\((\d+)\)\s+= 0')
close = re.compile(r'close\((\d+)\)\s+= 0')
for line in open(sys.argv[1], errors="replace"):
    line = re.sub(r"^\d+\s+", "", line)
    if m := opened.search(line):
        fds[m.group(2)] = "/metrics/" in m.group(1) and not m.group(1).endswith(".lock")
    elif m := write.search(line):
        if fds.get(m.group(1)):
            written += int(m.group(2))
    elif m := sync.search(line):
        if fds.get(m.group(1)):
            syncs += 1
    elif m := close.search(line):
        fds.pop(m.group(1), None)
print(f"metrics bytes written: {written}  fsyncs of metrics files: {syncs}")
