#!/usr/bin/env python3
"""The floor of bench/kube.py (issue 25, goal 2): a client that only walks each list's `continue`
chain, the lists at once as fleetcap reads them, and drops the bytes. Each page's token is taken
from its metadata (which API servers write before the items) with a pattern, not by parsing the
page. One kept-alive connection per list, as kubectl and client-go use. Not a test.

    bench/kube_walk.py SERVER_URL CA_FILE TOKEN LIMIT PATH...

Prints one line of JSON: pages and bytes per path.
"""
import http.client
import json
import re
import ssl
import sys
import threading
import urllib.parse

TOKEN = re.compile(rb'"continue":\s*"([^"\\]*)"')


def walk(host, port, ctx, token, limit, path, out):
    conn = http.client.HTTPSConnection(host, port, context=ctx)
    cont, pages, size = None, 0, 0
    while True:
        url = f"{path}?limit={limit}"
        if cont:
            url += "&continue=" + urllib.parse.quote(cont, safe="")
        conn.request("GET", url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            out[path] = f"HTTP {resp.status}"
            return
        pages += 1
        size += len(body)
        m = TOKEN.search(body, 0, 4096)
        if not m:
            break
        cont = m.group(1).decode()
    conn.close()
    out[path] = {"pages": pages, "bytes": size}


def main():
    server, ca, token, limit, *paths = sys.argv[1:]
    u = urllib.parse.urlsplit(server)
    ctx = ssl.create_default_context(cafile=ca)
    out = {}
    threads = [threading.Thread(target=walk, args=(u.hostname, u.port, ctx, token, int(limit), p, out)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(out))
    return 0 if all(isinstance(v, dict) for v in out.values()) and len(out) == len(paths) else 1


if __name__ == "__main__":
    sys.exit(main())
