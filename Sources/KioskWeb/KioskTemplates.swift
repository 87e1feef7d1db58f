/// The web kiosk's Mustache templates and style sheet. `{{name}}` escapes HTML (every text, label and
/// typed value goes through it); no template uses the unescaped `{{{name}}}`.
enum KioskTemplates {
    /// A kiosk screen: one form posted to `/`, holding the session's token.
    static let screen = """
        <!DOCTYPE html>
        <html lang="{{lang}}" dir="{{dir}}" class="size-{{size}}{{#highContrast}} contrast{{/highContrast}}"{{#hasRefresh}} data-refresh="{{refresh}}"{{/hasRefresh}}{{#speaking}} data-speaking="1"{{/speaking}}>
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{{title}} · TenantConsent</title>
        <link rel="stylesheet" href="/kiosk.css">
        <script src="/kiosk.js" defer></script>
        </head>
        <body>
        <form method="post" action="/" autocomplete="off">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <header><h1>{{title}}</h1><p class="corner">{{corner}}</p></header>
        <main>
        {{#items}}
        {{#isText}}<p class="text">{{> line}}</p>{{/isText}}
        {{#isHeading}}<h2>{{> line}}</h2>{{/isHeading}}
        {{#isButton}}<button type="submit" name="action" value="{{token}}"{{#hasLang}} lang="{{buttonLang}}" dir="{{buttonDir}}"{{/hasLang}}{{#autofocus}} autofocus{{/autofocus}}>{{> line}}</button>{{/isButton}}
        {{#isField}}<div class="field"><label for="{{id}}">{{label}}</label>
        <input id="{{id}}" name="{{name}}" type="{{inputType}}" inputmode="{{inputMode}}" maxlength="{{maxLength}}" value="{{value}}" dir="auto"{{^masked}} autocomplete="off"{{/masked}}{{#hasNote}} aria-invalid="true" aria-describedby="{{id}}-note"{{/hasNote}}{{#autofocus}} autofocus{{/autofocus}}>
        {{#hasNote}}<p class="note" id="{{id}}-note">{{note}}</p>{{/hasNote}}</div>{{/isField}}
        {{/items}}
        {{#hasStatus}}<p class="status" role="alert">{{status}}</p>{{/hasStatus}}
        {{#hasCountdown}}<p class="countdown" role="status">{{countdown}}</p>{{/hasCountdown}}
        </main>
        {{#hasFooter}}<nav aria-label="{{footerLabel}}">{{#footer}}<button type="submit" name="action" value="{{token}}"{{#autofocus}} autofocus{{/autofocus}}>{{label}}</button>{{/footer}}</nav>{{/hasFooter}}
        <aside aria-label="{{settingsLabel}}">
        {{#canSpeak}}<button type="submit" name="speech" value="{{speechNext}}" class="read" aria-keyshortcuts="F9">{{speechLabel}}</button><button type="submit" name="headphones" value="{{headphonesNext}}" aria-pressed="{{#headphones}}true{{/headphones}}{{^headphones}}false{{/headphones}}">{{headphonesLabel}}</button>{{/canSpeak}}
        <fieldset><legend>{{languageLabel}}</legend>{{#languages}}<button type="submit" name="language" value="{{code}}" lang="{{code}}" dir="{{dir}}" aria-pressed="{{#current}}true{{/current}}{{^current}}false{{/current}}">{{name}}</button>{{/languages}}</fieldset>
        <fieldset><legend>{{sizeLabel}}</legend>{{#sizes}}<button type="submit" name="size" value="{{value}}" class="size-{{value}}" aria-pressed="{{#current}}true{{/current}}{{^current}}false{{/current}}">{{label}}</button>{{/sizes}}</fieldset>
        <button type="submit" name="contrast" value="{{contrastNext}}" aria-pressed="{{#highContrast}}true{{/highContrast}}{{^highContrast}}false{{/highContrast}}">{{contrastLabel}}</button>
        </aside>
        </form>
        </body>
        </html>
        """

    /// An item's words, then its value (if any) in a `<bdi>`: the value is laid out in its own direction,
    /// so "1 High Street, Leeds" stays in order inside an Urdu line. One line, no newline.
    static let line = "{{label}}{{#hasHeld}}{{separator}}<bdi>{{held}}</bdi>{{#hasHeldNote}} ({{heldNote}}){{/hasHeldNote}}{{/hasHeld}}"

    /// A page that is not a screen (the kiosk is in use, a form has expired): no form, no session, a link back.
    static let notice = """
        <!DOCTYPE html>
        <html lang="{{lang}}" dir="{{dir}}" class="size-normal">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{{title}}</title>
        <link rel="stylesheet" href="/kiosk.css">
        </head>
        <body>
        <header><h1>{{title}}</h1></header>
        <main><p class="status" role="alert">{{text}}</p><p><a class="button" href="/">{{again}}</a></p></main>
        </body>
        </html>
        """

    /// The one script, and the pages work without it. When the idle countdown or the sign-out is due
    /// (`data-refresh`, in seconds), the page is fetched again in place of itself (`location.replace`, so
    /// the history gains no entry); a timed meta refresh would do it without script, but it is a WCAG
    /// failure (2.2.1, 3.2.5). Typing in a box tells the server the tenant is there (`POST /alive` with
    /// the form's token, at most every 5 seconds), as each key does at the terminal, and the reload waits.
    /// F9 presses "Read this page aloud" (or "Stop reading"); while the page is read (`data-speaking`), any
    /// other key or touch stops it at once (`POST /quiet`), before whatever it does. F12 is the staff key, as at the
    /// terminal (`POST /staff-key`; twice in a row opens the staff exit, and the page is fetched again).
    static let script = """
        (function () {
          var timer = null, last = 0, token = document.querySelector('input[name="csrf"]');
          var speaking = document.documentElement.hasAttribute("data-speaking");
          function post(path) {
            return fetch(path, { method: "POST", credentials: "same-origin",
                                 headers: { "Content-Type": "application/x-www-form-urlencoded" },
                                 body: "csrf=" + encodeURIComponent(token.value) });
          }
          function quiet(event) {
            var read = event.target && event.target.closest && event.target.closest('button[name="speech"]');
            if (!speaking || read || !token) { return; }
            speaking = false;
            post("/quiet");
          }
          document.addEventListener("keydown", function (event) {
            var read = document.querySelector('button[name="speech"]');
            if (event.key === "F9" && read) { event.preventDefault(); read.click(); return; }
            if (event.key === "F12" && token) {
              event.preventDefault();
              post("/staff-key")
                .then(function (reply) { return reply.ok ? reply.text() : ""; })
                .then(function (text) { if (text === "reload") { window.location.replace("/"); } });
              return;
            }
            quiet(event);
          }, true);
          document.addEventListener("pointerdown", quiet, true);
          function schedule(seconds) {
            clearTimeout(timer);
            if (seconds > 0) { timer = setTimeout(function () { window.location.replace("/"); }, seconds * 1000); }
          }
          schedule(Number(document.documentElement.getAttribute("data-refresh")));
          if (!token) { return; }
          document.addEventListener("input", function () {
            var now = Date.now();
            if (now - last < 5000) { return; }
            last = now;
            post("/alive")
              .then(function (reply) { return reply.ok ? reply.text() : ""; })
              .then(function (text) { var seconds = Number(text); if (seconds > 0) { schedule(seconds); } });
          });
        })();
        """

    /// The style sheet: large type, targets at least 44×44 CSS px, a focus ring nobody misses, three
    /// text sizes, a high-contrast theme, and Debian's Noto fonts for Urdu's Nastaliq script.
    static let css = """
        html { font-size: 20px; }
        html.size-large { font-size: 26px; }
        html.size-extra-large { font-size: 34px; }
        body { margin: 0 auto; max-width: 48rem; padding: 1rem; font-family: "Noto Sans", "DejaVu Sans", sans-serif;
               line-height: 1.5; background: #ffffff; color: #1a1a1a; }
        :lang(ur) { font-family: "Noto Nastaliq Urdu", "Noto Naskh Arabic", "Noto Sans Arabic", "DejaVu Sans", sans-serif; line-height: 2.2; }
        header { display: flex; justify-content: space-between; align-items: baseline; gap: 1rem;
                 border-bottom: 3px solid #1a4d8f; margin-bottom: 1rem; }
        h1 { font-size: 1.6rem; margin: 0.5rem 0; }
        h2 { font-size: 1.2rem; margin: 1.2rem 0 0.4rem; }
        .text { white-space: pre-line; }
        button, input, a.button { font: inherit; min-height: 44px; min-width: 44px; box-sizing: border-box; }
        button, a.button { display: block; width: 100%; margin: 0.4rem 0; padding: 0.5rem 1rem; text-align: start;
                 border: 2px solid #1a4d8f; border-radius: 6px; background: #e8f0fb; color: #0b2545; cursor: pointer;
                 text-decoration: none; }
        button:hover { background: #d0e0f6; }
        .field { margin: 0.8rem 0; }
        label { display: block; font-weight: bold; margin-bottom: 0.2rem; }
        input { width: 100%; padding: 0.4rem 0.6rem; border: 2px solid #4a4a4a; border-radius: 4px; background: #ffffff; color: #1a1a1a; }
        .note { color: #8a1c1c; margin: 0.2rem 0; }
        .status { border-inline-start: 6px solid #8a1c1c; padding: 0.4rem 0.8rem; background: #fdf0f0; color: #5c0f0f; }
        .countdown { font-weight: bold; color: #5c3b00; }
        nav, aside { display: flex; flex-wrap: wrap; gap: 0.5rem; margin-top: 1rem; border-top: 2px solid #c8c8c8; padding-top: 0.5rem; }
        nav button, aside button { display: inline-block; width: auto; }
        fieldset { border: 1px solid #c8c8c8; margin: 0; padding: 0.2rem 0.5rem; display: flex; flex-wrap: wrap; gap: 0.4rem; }
        legend { font-size: 0.9rem; }
        button[aria-pressed="true"] { background: #1a4d8f; color: #ffffff; }
        :focus { outline: 4px solid #b35900; outline-offset: 3px; }
        :focus:not(:focus-visible) { outline: 4px solid #b35900; }
        html.contrast, html.contrast body { background: #000000; color: #ffffff; }
        html.contrast header { border-color: #ffff00; }
        html.contrast button, html.contrast a.button { background: #000000; color: #ffff00; border-color: #ffff00; }
        html.contrast button[aria-pressed="true"] { background: #ffff00; color: #000000; }
        html.contrast input { background: #000000; color: #ffffff; border-color: #ffffff; }
        html.contrast .note, html.contrast .countdown { color: #ffff00; }
        html.contrast .status { background: #000000; color: #ffffff; border-color: #ffff00; }
        html.contrast :focus { outline-color: #00ffff; }
        """
}
