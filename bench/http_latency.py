#!/usr/bin/python3
"""Latency of one GET, repeated on one kept-alive connection (loopback only; figures printed,
never pass/fail): the benches' common probe.
    http_latency.py LABEL HOST PORT PATH N"""
import http.client
import sys
import time

label, host, port, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
c = http.client.HTTPConnection(host, port)
t, body, status = [], b"", 0
for i in range(n + 20):  # the first 20 warm up
    a = time.perf_counter()
    c.request("GET", path)
    r = c.getresponse()
    body, status = r.read(), r.status
    if i >= 20:
        t.append(time.perf_counter() - a)
t.sort()
rows = "%d rows, " % body.count(b"<TR>") if b"<TR>" in body else ""
print("%-44s median %.3f ms, p90 %.3f ms, min %.3f ms (HTTP %d, %s%d bytes, %d requests)" %
      (label, t[len(t) // 2] * 1e3, t[len(t) * 9 // 10] * 1e3, t[0] * 1e3, status, rows, len(body), n))
