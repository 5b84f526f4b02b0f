"""A loopback HTTPS server that speaks the Kubernetes list API as kube-apiserver does, for the
Kubernetes source's tests (docs/kubernetes.md, docs/fleet-api.md):

- lists are `{"kind": "NodeList", "apiVersion": "v1", "metadata": {"resourceVersion", "continue"},
  "items": [...]}` with `limit` and `continue`; a continue token marked expired answers
  `410 Gone` with the `Status` kube-apiserver sends (reason Expired);
- 401, 403 and 404 answer `Status` objects worded as kube-apiserver words them;
- bearer tokens and client certificates (signed by a CA the test makes with openssl) are the
  two ways to log in;
- legacy discovery (/api, /api/v1, /apis, /apis/GROUP/VERSION, /version) and GET of one
  cluster-scoped object of a list (/apis/GROUP/VERSION/RESOURCE/NAME), so that a real kubectl
  can list the same objects and read back what `kubectl apply --dry-run=client` would change.

Objects come from a dict {list path: (list kind, group version, items)}.

Faults (`faults`, {list path: fault}; a test may change the dict between runs), for what a broken
server or a proxy before it does (docs/reliability.md, issue 26):
- ("repeat-continue",): every request is answered with the first page and the same continue
  token, as when a proxy drops the query string;
- ("continue-value", V): the first page's metadata.continue is V (a number, a list, ...);
- ("content-type", T): the list as usual, with Content-Type T (a login page's text/html);
- ("trailing", TEXT): the list as usual, then TEXT (a second JSON document);
- ("gone",): 410 Gone with the expired Status, on every request, the first one too;
- ("status", CODE, MESSAGE): a Status object with that code and message;
- ("body", CODE, TEXT): CODE with TEXT as a text/plain body (not a Status);
- ("echo", CODE, PAD): CODE with a text/plain body of PAD "x"s, then the bearer token the request
  carried, then more "x"s: a server that echoes a credential in an error.
`headers` keeps each request's headers ({name in lower case: value}).
"""
import base64
import http.server
import json
import os
import socket
import ssl
import subprocess
import threading
import urllib.parse

STATUS_MESSAGES = {
    401: ("Unauthorized", "Unauthorized"),
    404: ("NotFound", "the server could not find the requested resource"),
}

EXPIRED = ("The provided continue parameter is too old to display a consistent list result. You can start a "
           "new list without the continue parameter, or use the continue token in this response to retrieve the "
           "remainder of the results. Continuing with the provided token results in an inconsistent list - objects "
           "that were created, modified, or deleted between the time the first chunk was returned and now may show "
           "up in the list.")


def status(code, reason, message, details=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}
    if details is not None:
        body["details"] = details
    return body


def make_pki(directory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate (CN=alice), with openssl."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=fleetcap-test-ca")
    with open(os.path.join(directory, "san.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
        "server.crt", "-days", "2", "-extfile", "san.cnf")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr",
        "-subj", "/O=system:masters/CN=alice")
    run("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
        "client.crt", "-days", "2")
    return {name: os.path.join(directory, name) for name in
            ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")}


class KubeServer:
    """`lists`: {path: (kind, apiVersion, items)}. `tokens`: accepted bearer tokens. `forbidden`:
    paths answering 403. `expire`: paths whose first continue token is answered 410 once."""

    def __init__(self, pki, lists, tokens=(), forbidden=(), expire=(), port=0, cache=False, faults=None):
        self.lists, self.tokens, self.forbidden = lists, set(tokens), set(forbidden)
        self.faults = dict(faults or {})
        self.headers = []
        self.cache = {} if cache else None  # (path, start, limit) -> body: bench/kube.py keeps its own cost out
        self.expire = set(expire)
        self.requests = []  # (method, path with query, who)
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                # As Go's net/http (the API server's) does: without it, a kept-alive connection
                # waits out the client's delayed ACK (40 ms) before the end of each response.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def send_bytes(self, code, data, ctype):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def send_json(self, code, body, key=None):
                data = server.cache.get(key) if key is not None and server.cache is not None else None
                if data is None:
                    data = json.dumps(body).encode()
                    if key is not None and server.cache is not None:
                        server.cache[key] = data
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                try:
                    self.answer()
                except (ssl.SSLError, BrokenPipeError, ConnectionResetError):
                    pass  # the client went away (fleetcap cancels its other lists after a failure)

            def answer(self):
                who = server.authenticate(self)
                with server.lock:
                    server.requests.append(("GET", self.path, who))
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                if who is None:
                    return self.send_json(401, status(401, *STATUS_MESSAGES[401]))
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                path = url.path.rstrip("/")
                if path in server.forbidden:
                    resource = path.rsplit("/", 1)[-1]
                    group = path.split("/")[2] if path.startswith("/apis/") else ""
                    return self.send_json(403, status(
                        403, "Forbidden",
                        f'{resource} is forbidden: User "{who}" cannot list resource "{resource}" in API group '
                        f'"{group}" at the cluster scope', {"kind": resource, "group": group}))
                discovery = server.discovery(path)
                if discovery is not None:
                    return self.send_json(200, discovery)
                one = server.one_object(path)
                if one is not None:
                    return self.send_json(*one)
                if path not in server.lists:
                    return self.send_json(404, status(404, *STATUS_MESSAGES[404]))
                fault = server.faults.get(path)
                if fault and server.fault(self, fault, query):
                    return
                kind, api_version, items = server.lists[path]
                limit = int(query.get("limit", ["0"])[0] or 0)
                start = 0
                if "continue" in query:
                    token = json.loads(base64.b64decode(query["continue"][0]))
                    start = token["start"]
                    with server.lock:
                        if path in server.expire:
                            server.expire.discard(path)
                            return self.send_json(410, status(410, "Expired", EXPIRED))
                end = len(items) if limit <= 0 else min(len(items), start + limit)
                key = (path, start, limit)
                if server.cache is not None and key in server.cache:
                    return self.send_json(200, None, key)
                meta = {"resourceVersion": "12345"}
                if end < len(items):
                    meta["continue"] = base64.b64encode(json.dumps({"rv": 12345, "start": end}).encode()).decode()
                    meta["remainingItemCount"] = len(items) - end
                self.send_json(200, {"kind": kind, "apiVersion": api_version, "metadata": meta,
                                     "items": items[start:end]}, key)

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 128  # fleetcap opens a connection per list at once; 5 would drop SYNs

        self.httpd = Server(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pki["server.crt"], pki["server.key"])
        ctx.load_verify_locations(pki["ca.crt"])
        ctx.verify_mode = ssl.CERT_OPTIONAL
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def fault(self, handler, fault, query):
        """Answers a request as `fault` says; False when the list is to be served as usual."""
        kind = fault[0]
        path = urllib.parse.urlsplit(handler.path).path.rstrip("/")
        list_kind, api_version, items = self.lists[path]
        if kind == "repeat-continue":
            token = base64.b64encode(json.dumps({"rv": 12345, "start": 1}).encode()).decode()
            handler.send_json(200, {"kind": list_kind, "apiVersion": api_version,
                                    "metadata": {"resourceVersion": "12345", "continue": token}, "items": items[:1]})
        elif kind == "continue-value":
            handler.send_json(200, {"kind": list_kind, "apiVersion": api_version,
                                    "metadata": {"resourceVersion": "12345", "continue": fault[1]}, "items": items[:1]})
        elif kind in ("content-type", "trailing"):
            data = json.dumps({"kind": list_kind, "apiVersion": api_version, "metadata": {"resourceVersion": "12345"},
                               "items": items}).encode()
            if kind == "trailing":
                data += fault[1].encode()
            handler.send_bytes(200, data, fault[1] if kind == "content-type" else "application/json")
        elif kind == "gone":
            handler.send_json(410, status(410, "Expired", EXPIRED))
        elif kind == "status":
            handler.send_json(fault[1], status(fault[1], "InternalError", fault[2]))
        elif kind == "body":
            handler.send_bytes(fault[1], fault[2].encode(), "text/plain")
        elif kind == "echo":
            auth = handler.headers.get("Authorization", "")
            token = auth[7:] if auth.startswith("Bearer ") else ""
            handler.send_bytes(fault[1], ("x" * fault[2] + token + "x" * 300).encode(), "text/plain")
        else:
            return False
        return True

    def authenticate(self, handler):
        cert = handler.connection.getpeercert()
        if cert:
            for rdn in cert.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        return value
        auth = handler.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and auth[7:] in self.tokens:
            return "token-user"
        return None

    def discovery(self, path):
        if path == "/version":
            return {"major": "1", "minor": "30", "gitVersion": "v1.30.0", "platform": "linux/amd64"}
        if path == "/api":
            return {"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.port}"}]}
        if path == "/api/v1":
            return {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "nodes", "singularName": "node", "namespaced": False, "kind": "Node",
                 "verbs": ["get", "list", "watch"], "shortNames": ["no"]},
                {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod",
                 "verbs": ["get", "list", "watch"], "shortNames": ["po"]},
                {"name": "resourcequotas", "singularName": "resourcequota", "namespaced": True,
                 "kind": "ResourceQuota", "verbs": ["get", "list", "watch"], "shortNames": ["quota"]}]}
        groups = self.groups()
        if path == "/apis":
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                 "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}} for g, vs in groups.items()]}
        parts = path.split("/")
        if len(parts) == 4 and parts[1] == "apis" and parts[3] in groups.get(parts[2], ()):
            resources = []
            for list_path, (kind, _, items) in sorted(self.lists.items()):
                if list_path.startswith(path + "/") and list_path.count("/") == 4:
                    name = list_path.rsplit("/", 1)[1]
                    resources.append({"name": name, "singularName": name[:-1], "kind": kind[:-len("List")],
                                      "namespaced": any("namespace" in i.get("metadata", {}) for i in items),
                                      "verbs": ["get", "list", "watch"]})
            return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{parts[2]}/{parts[3]}",
                    "resources": resources}
        return None

    def groups(self):
        """{API group: its versions, newest name last} of the lists under /apis."""
        groups = {}
        for list_path in sorted(self.lists):
            parts = list_path.split("/")
            if parts[1] == "apis" and len(parts) == 5:
                groups.setdefault(parts[2], [])
                if parts[3] not in groups[parts[2]]:
                    groups[parts[2]].append(parts[3])
        return groups

    def one_object(self, path):
        """(200, the object) for /apis/GROUP/VERSION/RESOURCE/NAME of a cluster-scoped list item,
        (404, Status) for a name the list does not hold; None for any other path."""
        list_path, _, name = path.rpartition("/")
        if not list_path.startswith("/apis/") or list_path.count("/") != 4 or list_path not in self.lists:
            return None
        kind, api_version, items = self.lists[list_path]
        for item in items:
            if item.get("metadata", {}).get("name") == name and "namespace" not in item["metadata"]:
                return 200, dict(item, kind=kind[:-len("List")], apiVersion=api_version)
        resource = list_path.rsplit("/", 1)[1]
        return 404, status(404, "NotFound", f'{resource}.{list_path.split("/")[2]} "{name}" not found',
                           {"name": name, "group": list_path.split("/")[2], "kind": resource})

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
