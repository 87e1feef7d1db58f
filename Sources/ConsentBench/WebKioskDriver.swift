/// The browser side of ``WebKioskBenchmark``: a Python 3 script (standard library only) that drives headless
/// Chromium through chromedriver's WebDriver HTTP interface, one whole tenant session, and prints one JSON line
/// per page: what Chromium's Navigation Timing, Paint Timing and Resource Timing say of it.
///
/// Usage: `python3 driver.py KIOSK_URL CHROMEDRIVER_URL CHROMIUM REFERENCE DATE_OF_BIRTH PIN EMAIL [PRESS_FILE SOUND_FILE]`.
/// Each page is reached by pressing a button (or, for the first, by opening the address); the script then waits
/// until the new page is complete and has painted. `serverMs` is what the page cost at the server as Chromium saw
/// it over loopback: the post and its 303 (`redirectEnd - redirectStart`) plus the get (`responseEnd -
/// requestStart`). `firstPaintMs` and `firstContentfulPaintMs` are from the press (the navigation's start) to
/// the paint. `documentBytes` is the HTML body, `subresourceBytes` the style sheet's and script's bodies.
/// With PRESS_FILE and SOUND_FILE, the session ends with a press of "Read this page aloud" on the welcome screen:
/// the script writes the moment of the press (`time.monotonic()`, the system's monotonic clock) to PRESS_FILE once
/// SOUND_FILE exists, which ``firstSound`` writes when the first sound reaches the player.
enum WebKioskDriver {
    static let script = #"""
import json, os, sys, time, urllib.request

kiosk, driver, chromium, ref, dob, pin, email = sys.argv[1:8]
press_file, sound_file = (sys.argv[8], sys.argv[9]) if len(sys.argv) > 9 else (None, None)
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
DEADLINE = 120


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(driver + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=DEADLINE) as reply:
            return json.loads(reply.read() or b"{}").get("value")
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{method} {path}: {error.code} {error.read()[:300]!r}")


capabilities = {"browserName": "chrome", "goog:chromeOptions": {"binary": chromium, "args": [
    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1024,1600", "--lang=en"]}}
session = call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})["sessionId"]
base = f"/session/{session}"

MEASURE = """
const n = performance.getEntriesByType('navigation')[0];
const paint = name => { const p = performance.getEntriesByName(name)[0]; return p ? p.startTime : null; };
const sub = performance.getEntriesByType('resource').filter(r => /kiosk\\.(css|js)$/.test(r.name));
return {serverMs: (n.redirectEnd - n.redirectStart) + (n.responseEnd - n.requestStart),
        postMs: n.redirectEnd - n.redirectStart, getMs: n.responseEnd - n.requestStart,
        firstPaintMs: paint('first-paint'), firstContentfulPaintMs: paint('first-contentful-paint'),
        documentBytes: n.encodedBodySize, subresourceBytes: sub.reduce((s, r) => s + r.encodedBodySize, 0),
        redirects: n.redirectCount, status: n.responseStatus || 0};
"""
READY = """return window.__benchOld === undefined && document.readyState === 'complete'
  && performance.getEntriesByName('first-contentful-paint').length > 0;"""


def run(script, args=None):
    return call("POST", base + "/execute/sync", {"script": script, "args": args or []})


def find(css):
    found = call("POST", base + "/elements", {"using": "css selector", "value": css})
    return found[0][ELEMENT] if found else None


def settle():
    """Waits until the page that replaced the last one is complete and has painted (polling, no fixed sleep)."""
    until = time.monotonic() + DEADLINE
    while time.monotonic() < until:
        try:
            if run(READY):
                return
        except RuntimeError:
            pass  # the old page went away under the call
    raise RuntimeError("the next page did not finish loading and painting in time")


def page(screen):
    figures = run(MEASURE)
    figures["screen"] = screen
    print(json.dumps(figures), flush=True)


def press(screen, value, name="action", boxes=None):
    for box, text in (boxes or {}).items():
        element = find(f"#f-{box}")
        if element is None:
            raise RuntimeError(f"no box {box} before {screen}")
        call("POST", f"{base}/element/{element}/clear", {})
        call("POST", f"{base}/element/{element}/value", {"text": text})
    button = find(f'button[name="{name}"][value="{value}"]')
    if button is None:
        raise RuntimeError(f"no button {value} before {screen}: {run('return document.title')}")
    run("window.__benchOld = true;")
    call("POST", f"{base}/element/{button}/click", {})
    settle()
    if screen:
        page(screen)


try:
    call("POST", base + "/url", {"url": kiosk})
    settle()
    page("welcome")
    press("sign-in", "lang:en")
    press("overview", "sign-in", boxes={"ref": ref, "dob": dob, "pin": pin})
    if find('button[value="use:service-updates-email"]') is None:
        raise RuntimeError("not signed in, or the overview offers no service-updates-email use")
    press("use", "use:service-updates-email")
    press("agree", "use-set:granted")
    press("withdraw", "use-set:withdrawn")
    press(None, "back")
    press("item", "attr:email")
    press("correction box", "correct")
    press("correct", "save", boxes={"value": email})
    press("receipt", "sign-out")
    press("sign-out", "finish")
    if press_file:
        button = find('button[name="speech"][value="start"]')
        if button is None:
            raise RuntimeError("no read-aloud button on the welcome screen")
        pressed = time.monotonic()
        call("POST", f"{base}/element/{button}/click", {})
        while not os.path.exists(sound_file):
            if time.monotonic() > pressed + DEADLINE:
                raise RuntimeError("read-aloud made no sound in time")
            time.sleep(0.005)
        with open(press_file, "w") as out:
            out.write(repr(pressed))
finally:
    call("DELETE", base)
"""#
}

extension WebKioskDriver {
    /// The kiosk's speech player during the bench (`--speech-player 'python3 first-sound.py SOUND_FILE'`): reads
    /// espeak-ng's WAV and, once 50 ms of sound (2,205 bytes at 22,050 Hz, 16 bits) has come, writes the moment
    /// (`time.monotonic()`) to SOUND_FILE (whole, by a rename), then reads the rest away. Plays nothing.
    static let firstSound = #"""
import os, sys, time

out = sys.argv[1]
stream = sys.stdin.buffer
header = stream.read(44)
got = 0
while got < 2205:
    chunk = stream.read1(4096)
    if not chunk:
        break
    got += len(chunk)
if got >= 2205:
    with open(out + ".part", "w") as f:
        f.write(repr(time.monotonic()))
    os.rename(out + ".part", out)
while stream.read1(65536):
    pass
"""#
}
