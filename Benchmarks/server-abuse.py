#!/usr/bin/env python3
"""Measures how `consent serve` holds under abuse, on a SQLite demo centre on 127.0.0.1.

    Benchmarks/server-abuse.py [--consent PATH] [--runs N] [--json]

For each run: audit rows written per 1,000 requests with a wrong credential (counted after the
server stops with SIGTERM, so rows it holds back are included) and how they were answered; how
long 200 requests whose head stops half-way stay open (given up after 60 s); and the server's peak
memory (VmHWM) for a 15 MB JSON push of 178,000 events from an enrolled device, with the time to
its answer, sent with its length and sent chunked (no length). Prints one line per run and the medians (or JSON).
"""
import argparse, http.client, json, os, select, signal, socket, sqlite3, statistics, subprocess, sys, tempfile, time

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def run(consent, *args, stdin=None):
    done = subprocess.run([consent, *args], input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"consent {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()

class Server:
    def __init__(self, consent, db):
        self.port = free_port()
        self.process = subprocess.Popen([consent, "serve", "--db", db, "--listen", f"127.0.0.1:{self.port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        sys.exit("consent serve did not start")

    def peak_kb(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))

    def rss_kb(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

def audit_rows(db):
    with sqlite3.connect(db) as c:
        return c.execute("SELECT count(*) FROM sync_audit").fetchone()[0]

def bad_credentials(consent, db):
    before = audit_rows(db)
    server = Server(consent, db)
    statuses = {}
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    started = time.time()
    for _ in range(1000):
        try:
            c.request("GET", "/v1/pull?cursor=0", headers={"Authorization": "Bearer kiosk-a:wrong"})
            r = c.getresponse()
            r.read()
            statuses[r.status] = statuses.get(r.status, 0) + 1
        except (http.client.HTTPException, OSError):
            c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            statuses["reset"] = statuses.get("reset", 0) + 1
    elapsed = time.time() - started
    server.stop()
    return audit_rows(db) - before, statuses, elapsed

def half_sent(consent, db, count=200, give_up=60):
    server = Server(consent, db)
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"POST /v1/push HTTP/1.1\r\nHost: centre\r\nContent-Le")
        sockets.append(s)
    started = time.time()
    closed_after = {}
    while len(closed_after) < count and time.time() - started < give_up:
        open_ones = [s for s in sockets if s.fileno() not in closed_after]
        readable, _, _ = select.select(open_ones, [], [], 0.2)
        for s in readable:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                closed_after[s.fileno()] = time.time() - started
    still_open = count - len(closed_after)
    for s in sockets:
        s.close()
    server.stop()
    times = sorted(closed_after.values())
    return (statistics.median(times) if times else None, max(times) if times else None, still_open)

def oversized_push(consent, db, secret, events=178_000, chunked=False):
    body = '{"version":1,"device":"kiosk-a","dataKeys":[],"events":[' + ",".join(
        '{"r":{"d":"k","s":%d,"t":"T","k":"d","h":1,"e":1,"ac":"t","ch":"k"},"h":"","v":[]}' % (i + 1)
        for i in range(events)) + "]}"
    data = body.encode()
    server = Server(consent, db)
    before = server.rss_kb()
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    started = time.time()
    headers = {"Authorization": f"Bearer kiosk-a:{secret}", "Content-Type": "application/json"}
    if chunked:  # no Content-Length: the server finds the size only while reading
        c.request("POST", "/v1/push", body=(data[i:i + 65536] for i in range(0, len(data), 65536)), headers=headers, encode_chunked=True)
    else:
        c.request("POST", "/v1/push", body=data, headers=headers)
    r = c.getresponse()
    answer = r.read().decode(errors="replace")
    elapsed = time.time() - started
    peak = server.peak_kb()
    server.stop()
    return len(data), before, peak, elapsed, r.status, answer[:160]

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--consent", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "consent"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    consent = os.path.abspath(options.consent)
    folder = tempfile.mkdtemp(prefix="server-abuse-")
    centre, kiosk = os.path.join(folder, "centre.sqlite"), os.path.join(folder, "kiosk.sqlite")
    run(consent, "demo", "--centre", "--tenants", "20", "--db", centre)
    run(consent, "init", "--db", kiosk, "--device", "kiosk-a")
    code = run(consent, "device", "issue-code", "--office", "Leeds", "--db", centre)
    server = Server(consent, centre)
    run(consent, "device", "enrol", "--db", kiosk, "--server", f"http://127.0.0.1:{server.port}", "--code", code)
    server.stop()
    with sqlite3.connect(kiosk) as c:
        secret = c.execute("SELECT value FROM meta WHERE key = 'sync_secret'").fetchone()[0]
    results = []
    for n in range(options.runs):
        rows, statuses, flood = bad_credentials(consent, centre)
        median_open, max_open, still_open = half_sent(consent, centre)
        size, rss, peak, took, status, answer = oversized_push(consent, centre, secret)
        _, _, chunked_peak, chunked_took, chunked_status, _ = oversized_push(consent, centre, secret, chunked=True)
        result = {"auditRowsPer1000": rows, "answers": {str(k): v for k, v in statuses.items()}, "floodSeconds": round(flood, 2),
                  "halfSentClosedMedianSeconds": median_open and round(median_open, 1), "halfSentClosedMaxSeconds": max_open and round(max_open, 1),
                  "halfSentStillOpenAt60s": still_open, "pushBytes": size, "rssBeforeMB": round(rss / 1024), "peakMB": round(peak / 1024),
                  "pushAnswerSeconds": round(took, 2), "pushStatus": status, "pushAnswer": answer,
                  "chunkedPeakMB": round(chunked_peak / 1024), "chunkedAnswerSeconds": round(chunked_took, 2), "chunkedStatus": chunked_status}
        results.append(result)
        if not options.json:
            print(f"run {n + 1}: {rows} audit rows per 1,000 bad requests {result['answers']} in {flood:.1f} s; "
                  f"200 half-sent requests closed after {result['halfSentClosedMedianSeconds']} s median, {still_open} still open at 60 s; "
                  f"{size / 1e6:.1f} MB JSON push: {status} after {took:.2f} s, peak {result['peakMB']} MB (from {result['rssBeforeMB']} MB); "
                  f"sent chunked: {chunked_status} after {chunked_took:.2f} s, peak {result['chunkedPeakMB']} MB")
    median = {key: statistics.median(r[key] for r in results if r[key] is not None)
              for key in ["auditRowsPer1000", "halfSentClosedMedianSeconds", "halfSentStillOpenAt60s", "peakMB", "pushAnswerSeconds",
                          "chunkedPeakMB", "chunkedAnswerSeconds"]
              if any(r[key] is not None for r in results)}
    if options.json:
        print(json.dumps({"runs": results, "median": median}, indent=2))
    else:
        print("median:", ", ".join(f"{k} {v}" for k, v in median.items()))

if __name__ == "__main__":
    main()
