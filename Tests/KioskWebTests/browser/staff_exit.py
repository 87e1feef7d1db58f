#!/usr/bin/env python3
"""Staff end the web kiosk from the browser, as F12 twice does at the terminal; tenants cannot, and a wrong password
does nothing but count. Driven in headless Chromium against a running `consent kiosk --web`.

Usage: staff_exit.py URL DATABASE KIOSK_PID REFERENCE DATE_OF_BIRTH PIN TENANT_NAME STAFF_ID PASSWORD

Hostile first, with a tenant signed in: no page offers the staff exit; the staff button forged into the tenant's
form does nothing; one F12 does nothing; F12 twice shows the staff screen (nothing of the tenant on it); a wrong
password is refused, counted (staff_sign_in_failure) and ends nothing. Then the right password: the page says the
kiosk is closed. The caller checks that the process then ends with status 0, the exit is recorded and the tenant's
receipt printed. Prints one line per problem; exits 1 if there was any.
"""
import os
import sqlite3
import sys

sys.path.insert(0, os.environ.get("KIOSK_BROWSER_PACKAGES", os.path.join(os.environ.get("TMPDIR", "/tmp"), "tenantconsent-browser")))
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

url, database, pid, ref, dob, pin, name, staff, password = sys.argv[1:]
problems = []
DEADLINE = 120

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1024,1600", "--lang=en"]:
    options.add_argument(argument)
browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
browser.set_page_load_timeout(DEADLINE)
browser.set_script_timeout(DEADLINE)


def alive():
    try:
        os.kill(int(pid), 0)
        return True
    except ProcessLookupError:
        return False


def counted(sql):
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        row = db.execute(sql).fetchone()
        return row[0] if row and row[0] is not None else 0


def gone(element):
    def check(_):
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True
    return check


def settle(page):
    WebDriverWait(browser, DEADLINE).until(gone(page))
    WebDriverWait(browser, DEADLINE).until(lambda b: b.execute_script("return document.readyState") == "complete")


def press(value, boxes=None):
    for box, text in (boxes or {}).items():
        element = browser.find_element(By.ID, f"f-{box}")
        element.clear()
        element.send_keys(text)
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, f'button[name="action"][value="{value}"]').click()
    settle(page)


def staff_key():
    """F12 on the page, then waits until the script's POST /staff-key has been answered."""
    before = browser.execute_script("return performance.getEntriesByName(location.origin + '/staff-key').length")
    ActionChains(browser).send_keys(Keys.F12).perform()
    WebDriverWait(browser, DEADLINE).until(lambda b: b.execute_script(
        "const e = performance.getEntriesByName(location.origin + '/staff-key');"
        "return document.readyState === 'complete' && (e.length > arguments[0] && e[e.length - 1].responseEnd > 0"
        " || !document.documentElement.hasAttribute('data-before'));", before))


try:
    browser.get(url)
    press("lang:en")
    press("sign-in", {"ref": ref, "dob": dob, "pin": pin})
    if name not in browser.page_source:
        problems.append("the tenant is not signed in")
    # No page a tenant sees offers the way out.
    if browser.find_elements(By.CSS_SELECTOR, 'button[value="end-kiosk"]') or "Staff only" in browser.page_source:
        problems.append("the overview offers the staff exit")
    # The staff button forged into the tenant's own form (the right token and cookie): the screen does not offer it.
    browser.execute_script("""const b = document.createElement('button'); b.name = 'action'; b.value = 'end-kiosk';
        b.id = 'forged'; b.textContent = 'x'; document.querySelector('form').appendChild(b);""")
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "forged").click()
    settle(page)
    if not alive() or name not in browser.page_source or "Staff only" in browser.page_source:
        problems.append("a forged staff button ended the kiosk or left the tenant's overview")
    # One F12 is nothing: the page stays.
    browser.execute_script("document.documentElement.setAttribute('data-before', '1')")
    staff_key()
    if not browser.execute_script("return document.documentElement.hasAttribute('data-before')"):
        problems.append("one F12 changed the page")
    if "Staff only" in browser.page_source:
        problems.append("one F12 opened the staff screen")
    # F12 twice: the staff screen, with nothing of the tenant on it.
    page = browser.find_element(By.TAG_NAME, "html")
    ActionChains(browser).send_keys(Keys.F12).perform()
    settle(page)
    if "Staff only" not in browser.page_source:
        problems.append("F12 twice did not open the staff screen")
    if name in browser.page_source:
        problems.append("the staff screen shows the tenant's name")
    # A wrong password: refused, counted, nothing ended.
    press("end-kiosk", {"staff-id": staff, "staff-password": password + "-wrong"})
    if "do not match" not in browser.page_source:
        problems.append("a wrong password is not refused on the page")
    if password in browser.page_source:
        problems.append("the page holds the password typed")
    failures = counted(f"SELECT failures FROM staff_sign_in_failure WHERE staff_id = '{staff}'")
    if failures != 1:
        problems.append(f"the wrong password was counted {failures} times, not once")
    if not alive() or counted("SELECT count(*) FROM kiosk_exit") != 0:
        problems.append("a wrong password ended the kiosk")
    # The right password: the page says the kiosk is closed.
    press("end-kiosk", {"staff-id": staff, "staff-password": password})
    if "Staff have closed this kiosk" not in browser.page_source:
        problems.append(f"after the right password the page says: {browser.find_element(By.TAG_NAME, 'body').text[:200]!r}")
    if name in browser.page_source or password in browser.page_source:
        problems.append("the closing page holds the tenant's name or the password")
finally:
    browser.quit()
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
