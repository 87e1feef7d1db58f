#!/usr/bin/env python3
"""One whole tenant session at the web kiosk in headless Chromium, as a tenant at the touch screen would.

Usage: session.py URL SCREENSHOT_DIR REFERENCE DATE_OF_BIRTH PIN TRACE...

Signs in with a PIN, opens a use and agrees then withdraws, corrects the email address, switches to extra
large text and high contrast, signs out, goes Back, finishes; then the same in Urdu. On every screen it runs
axe-core (every rule of the axe bundled with axe-selenium-python) and checks that every button and box is at
least 44x44 CSS px. After the session no page may hold a TRACE (the tenant's name, address, ...). Screenshots
of the English and Urdu overviews and sign-in screens go to SCREENSHOT_DIR. Prints one line per problem;
exits 1 if there was any.
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

url, shots, ref, dob, pin, *traces = sys.argv[1:]
problems = []


def driver():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1024,1600", "--lang=en"]:
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


browser = driver()
axe = Axe(browser)


def check(screen):
    """axe-core's rules and the 44x44 touch targets, on the page on show."""
    axe.inject()
    results = axe.run()
    for violation in results["violations"]:
        nodes = "; ".join(node["html"][:120] for node in violation["nodes"][:3])
        problems.append(f"{screen}: axe {violation['id']} ({violation['impact']}): {violation['help']}: {nodes}")
    small = browser.execute_script(
        "return [...document.querySelectorAll('button, input:not([type=hidden]), a')]"
        ".map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect()])"
        ".filter(([_, r]) => r.width < 44 || r.height < 44).map(([h, r]) => h + ' ' + r.width + 'x' + r.height)")
    for element in small:
        problems.append(f"{screen}: touch target under 44x44 CSS px: {element}")
    if not browser.find_elements(By.CSS_SELECTOR, "html[lang][dir]"):
        problems.append(f"{screen}: no lang and dir on <html>")


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


def press(value, name="action"):
    """Clicks the button, then waits until the next page has replaced this one (post, redirect, get)."""
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, f'button[name="{name}"][value="{value}"]').click()
    WebDriverWait(browser, 30).until(gone(page))
    WebDriverWait(browser, 30).until(lambda b: b.execute_script("return document.readyState") == "complete")


def type_into(field, text):
    box = browser.find_element(By.ID, f"f-{field}")
    box.clear()
    box.send_keys(text)


def expect_no_traces(screen):
    page = browser.page_source
    for trace in traces:
        if trace in page:
            problems.append(f"{screen}: the page still holds {trace!r}")


def session(language, shot_prefix):
    browser.get(url)
    check(f"{language} welcome")
    press(f"lang:{language}")
    check(f"{language} sign-in")
    browser.save_screenshot(os.path.join(shots, f"{shot_prefix}-sign-in.png"))
    type_into("ref", ref)
    type_into("dob", dob)
    type_into("pin", pin)
    press("sign-in")
    if traces[0] not in browser.page_source:
        problems.append(f"{language}: not signed in")
        return
    check(f"{language} overview")
    browser.save_screenshot(os.path.join(shots, f"{shot_prefix}-overview.png"))
    press("use:service-updates-email")
    check(f"{language} use")
    press("use-set:granted")
    press("use-set:withdrawn")
    press("back")
    press("attr:email")
    check(f"{language} item")
    press("correct")
    check(f"{language} correction")
    type_into("value", "ann.smith@example.org")
    press("save")
    press("extra-large", "size")
    press("on", "contrast")
    if not browser.find_elements(By.CSS_SELECTOR, "html.size-extra-large.contrast"):
        problems.append(f"{language}: extra large text and high contrast not applied")
    check(f"{language} item, extra large, high contrast")
    browser.save_screenshot(os.path.join(shots, f"{shot_prefix}-large-contrast.png"))
    press("sign-out")
    check(f"{language} receipt")
    page = browser.find_element(By.TAG_NAME, "html")
    browser.back()
    WebDriverWait(browser, 30).until(gone(page))
    expect_no_traces(f"{language} Back after sign-out")
    browser.get(url)
    press("finish")
    expect_no_traces(f"{language} after Done")
    if browser.find_elements(By.CSS_SELECTOR, "html.size-extra-large, html.contrast"):
        problems.append(f"{language}: text size or contrast not reset for the next tenant")


try:
    session("en", "en")
    session("ur", "ur")
finally:
    browser.quit()
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
