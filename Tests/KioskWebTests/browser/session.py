#!/usr/bin/env python3
"""Whole tenant sessions at the web kiosk in headless Chromium, as a tenant at the touch screen would.

Usage: session.py URL SCREENSHOT_DIR REFERENCE DATE_OF_BIRTH PIN ADDRESS TRACE...

For each of English, Polish, Romanian and Urdu: the welcome screen, help, the sign-in-code screen, a sign-in
with a badly typed date (the box's note), a sign-in, the overview, the language setting, a use (agree, then
withdraw), an item, the use's notice, the erase question, the correction box (the email address corrected),
what was shared, extra large text with high contrast, sign-out (the receipt), Back, Done. On every screen it
runs axe-core (every rule of the axe bundled with axe-selenium-python) and checks that every button and box
is at least 44x44 CSS px; in English and Urdu it saves a screenshot of every screen to SCREENSHOT_DIR
(`en-overview.png`, ...). On the Urdu overview the ADDRESS (which starts with a digit) must be drawn in its
own order: in a <bdi>, its first character left of its second word. After each session no page may hold a
TRACE (the tenant's name, address, ...). Prints one line per problem; exits 1 if there was any.
"""
import os
import sys

sys.path.insert(0, os.environ.get("KIOSK_BROWSER_PACKAGES", os.path.join(os.environ.get("TMPDIR", "/tmp"), "tenantconsent-browser")))
from axe_selenium_python import Axe  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

url, shots, ref, dob, pin, address, *traces = sys.argv[1:]
problems = []
# Generous: a loaded CI machine (everything in parallel on 2 cores) can take long over one page.
DEADLINE = 120


def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1024,1600", "--lang=en"]:
        options.add_argument(argument)
    chrome = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    chrome.set_page_load_timeout(DEADLINE)
    chrome.set_script_timeout(DEADLINE)
    return chrome


browser = driver()
axe = Axe(browser)


def check(screen, language, shot=None, page_language=None):
    """axe-core's rules and the 44x44 touch targets on the page on show (in `page_language`, the session's
    unless told); in English and Urdu a screenshot."""
    where = f"{language} {screen}"
    axe.inject()
    results = axe.run()
    for violation in results["violations"]:
        nodes = "; ".join(node["html"][:160] + " " + node.get("failureSummary", "").replace("\n", " ")[:200]
                          for node in violation["nodes"][:3])
        problems.append(f"{where}: axe {violation['id']} ({violation['impact']}): {violation['help']}: {nodes}")
    small = browser.execute_script(
        "return [...document.querySelectorAll('button, input:not([type=hidden]), a')]"
        ".map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect()])"
        ".filter(([_, r]) => r.width < 44 || r.height < 44).map(([h, r]) => h + ' ' + r.width + 'x' + r.height)")
    for element in small:
        problems.append(f"{where}: touch target under 44x44 CSS px: {element}")
    if not browser.find_elements(By.CSS_SELECTOR, f'html[lang="{page_language or language}"][dir]'):
        problems.append(f"{where}: no lang=\"{page_language or language}\" and dir on <html>")
    if language in ("en", "ur"):
        browser.save_screenshot(os.path.join(shots, f"{language}-{shot or screen.replace(' ', '-')}.png"))


def gone(element):
    """Whether `element`'s page has been replaced. Chromium answers a node of a page being replaced with
    "stale element" or with "does not belong to the document": both mean gone."""
    def check(_):
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True
    return check


def has(value, name="action"):
    return bool(browser.find_elements(By.CSS_SELECTOR, f'button[name="{name}"][value="{value}"]'))


def press(value, name="action"):
    """Clicks the button, then waits until the next page has replaced this one (post, redirect, get)."""
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, f'button[name="{name}"][value="{value}"]').click()
    WebDriverWait(browser, DEADLINE).until(gone(page))
    WebDriverWait(browser, DEADLINE).until(lambda b: b.execute_script("return document.readyState") == "complete")


def press_first(prefix):
    """Presses the first button whose action starts with `prefix`; False if there is none."""
    buttons = browser.find_elements(By.CSS_SELECTOR, f'button[name="action"][value^="{prefix}"]')
    if not buttons:
        return False
    press(buttons[0].get_attribute("value"))
    return True


def type_into(field, text):
    box = browser.find_element(By.ID, f"f-{field}")
    box.clear()
    box.send_keys(text)


def expect_no_traces(screen):
    page = browser.page_source
    for trace in traces:
        if trace in page:
            problems.append(f"{screen}: the page still holds {trace!r}")


# Where the address's first character, its second word and its last character are drawn, and whether it is in a <bdi>.
VALUE_LAYOUT = """
const [button, value] = arguments;
const walker = document.createTreeWalker(button, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const at = node.data.indexOf(value);
  if (at < 0) continue;
  const x = i => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1); return r.getBoundingClientRect().left; };
  const second = value.indexOf(" ") + 1;
  return {first: x(at), second: x(at + second), last: x(at + value.length - 1),
          isolated: !!(node.parentElement.closest("bdi") || node.parentElement.closest("[dir=auto]"))};
}
return null;
"""


def expect_value_in_its_own_order(language):
    """The address reads left to right inside the right-to-left line: "1" left of "High", "High" left of the end."""
    layout = browser.execute_script(VALUE_LAYOUT, browser.find_element(By.CSS_SELECTOR, 'button[value="attr:address"]'), address)
    if layout is None:
        problems.append(f"{language} overview: the address {address!r} is not shown whole")
        return
    if not layout["isolated"]:
        problems.append(f"{language} overview: the address is not in a bidi isolate (<bdi>)")
    if not layout["first"] < layout["second"] < layout["last"]:
        problems.append(f"{language} overview: the address is laid out out of order (x of first character, second word, "
                        f"last character: {layout['first']:.0f}, {layout['second']:.0f}, {layout['last']:.0f})")


def session(language):
    browser.get(url)
    # The welcome screen is in English until a language is chosen.
    check("welcome", language, "welcome", page_language="en")
    press(f"lang:{language}")
    check("sign-in", language)
    press("help")
    check("help", language)
    press("back")
    press("use-code")
    check("sign-in code", language, "code")
    press("back")
    type_into("ref", ref)
    type_into("dob", "31/02/19")
    type_into("pin", pin)
    press("sign-in")
    check("sign-in with a note", language, "sign-in-note")
    type_into("ref", ref)
    type_into("dob", dob)
    type_into("pin", pin)
    press("sign-in")
    if traces[0] not in browser.page_source:
        problems.append(f"{language}: not signed in")
        return
    check("overview", language)
    expect_value_in_its_own_order(language)
    press("start", "speech")
    if not has("stop", "speech"):
        problems.append(f"{language} overview: reading aloud, the page offers no Stop reading")
    check("overview, reading aloud", language, "reading")
    press("stop", "speech")
    press("language")
    check("language", language)
    press(f"lang:{language}")
    press("use:service-updates-email")
    check("use", language)
    press("use-set:granted")
    press("use-set:withdrawn")
    press("back")
    press("attr:email")
    check("item", language)
    if press_first("decide:") and browser.find_elements(By.CSS_SELECTOR, 'button[value="agree"]'):
        check("notice", language)
        press("back")
    elif not has("correct"):
        press("back")
    if has("erase"):
        press("erase")
        check("erase question", language, "confirm")
        press("back")
    press("correct")
    check("correction", language)
    type_into("value", "ann.smith@example.org")
    press("save")
    press("extra-large", "size")
    press("on", "contrast")
    if not browser.find_elements(By.CSS_SELECTOR, "html.size-extra-large.contrast"):
        problems.append(f"{language}: extra large text and high contrast not applied")
    check("item, extra large, high contrast", language, "large-contrast")
    press("back")
    press("disclosures")
    check("what was shared", language, "disclosures")
    press("back")
    press("sign-out")
    check("receipt", language)
    page = browser.find_element(By.TAG_NAME, "html")
    browser.back()
    WebDriverWait(browser, DEADLINE).until(gone(page))
    expect_no_traces(f"{language} Back after sign-out")
    browser.get(url)
    press("finish")
    expect_no_traces(f"{language} after Done")
    if browser.find_elements(By.CSS_SELECTOR, "html.size-extra-large, html.contrast"):
        problems.append(f"{language}: text size or contrast not reset for the next tenant")


try:
    for code in ["en", "pl", "ro", "ur"]:
        session(code)
finally:
    browser.quit()
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
