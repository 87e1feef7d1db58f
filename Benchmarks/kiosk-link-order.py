#!/usr/bin/env python3
"""Writes Linker/kiosk-web.order: the code a whole web-kiosk session runs, for the linker to place together.

    Benchmarks/kiosk-link-order.py REGISTER_COPY [--rounds N]

Why: the kernel maps a program's code in windows of 64 KB around each page it runs, so code a session needs,
spread thinly over the 23 MB of `consent`'s text, keeps most of the text resident. Placed together it fills
fewer windows (docs/performance.md, "Where the web kiosk's memory goes").

How: each round relinks the release `consent` (the link command SwiftPM recorded in .build/release.yaml, with
the current order and a map of the link), runs one `consent-bench kiosk --web` session against it under
`perf record` (every page fault, and the program counter every 3 microseconds of CPU), finds the linker's input
sections holding those addresses, and adds one symbol of each to the order. Later rounds see the code earlier
ones missed (a page fault in the part left cold). Run after `swift build -c release --product consent` and
`--product consent-bench`, on a copy of a register (the session writes to it); needs perf. Then rebuild.
"""
import argparse
import bisect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, ".build", "release")
ORDER = os.path.join(ROOT, "Linker", "kiosk-web.order")


def link_command():
    """The `swiftc` arguments SwiftPM used to link the release `consent`."""
    plan = open(os.path.join(ROOT, ".build", "release.yaml"), encoding="utf-8").read()
    target = os.path.realpath(os.path.join(RELEASE, "consent"))
    anchor = plan.find('"-o","%s",' % target)
    if anchor < 0:
        sys.exit("no link of %s in .build/release.yaml: run swift build -c release --product consent first" % target)
    start = plan.rfind("args: [", 0, anchor)
    end = plan.index("]", anchor)
    args = json.loads(plan[start + len("args: "):end + 1])
    # Drop the order file the build passed, if any (and its -Xlinker): each round passes its own.
    kept = []
    for arg in args:
        if arg.startswith("--symbol-ordering-file"):
            kept.pop()
        else:
            kept.append(arg)
    return kept


def relink(args, output, order, linker_map):
    args = list(args)
    args[args.index("-o") + 1] = output
    extra = ["-Xlinker", "--symbol-ordering-file=" + order, "-Xlinker", "--no-warn-symbol-ordering",
             "-Xlinker", "-Map=" + linker_map]
    # The link flags of Package.swift's release build (lld, packed relocations) are already in `args`.
    done = subprocess.run(args + extra, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("relink failed: " + done.stderr[-2000:])


def text_sections(linker_map):
    """(address, size, first symbol) of each input section of .text, in address order, from lld's map."""
    sections, inside = [], False
    line_form = re.compile(r"^\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+ (\s*)(.*)$")
    for line in open(linker_map, encoding="utf-8", errors="replace"):
        found = line_form.match(line.rstrip("\n"))
        if not found:
            continue
        address, size, indent, rest = int(found.group(1), 16), int(found.group(2), 16), found.group(3), found.group(4)
        if not indent:  # an output section
            if inside:
                break
            inside = rest == ".text"
        elif inside and ":(" in rest:
            sections.append([address, size, None])
        elif inside and sections and sections[-1][2] is None:
            sections[-1][2] = rest.strip()
    return sections


def code_base(perf_data, program):
    """Where the executable mapping puts file offset 0 (its start less its offset), from perf's record of it."""
    shown = subprocess.run(["perf", "script", "-i", perf_data, "--show-mmap-events"], capture_output=True, text=True).stdout
    for line in shown.splitlines():
        if "MMAP" in line and line.rstrip().endswith(program) and "r-xp" in line:
            found = re.search(r"\[0x([0-9a-f]+)\(0x[0-9a-f]+\) @ 0x([0-9a-f]+) ", line)
            if found:
                return int(found.group(1), 16) - int(found.group(2), 16)
    sys.exit("perf recorded no executable mapping of " + program)


def session_symbols(perf_data, program, linker_map, elf_offset_to_address):
    sections = text_sections(linker_map)
    starts = [s[0] for s in sections]
    base = code_base(perf_data, program) - elf_offset_to_address  # where address 0 of the program is
    samples = subprocess.run(["perf", "script", "-i", perf_data, "-F", "ip"], capture_output=True, text=True).stdout
    hit = set()
    for word in samples.split():
        try:
            address = int(word, 16) - base
        except ValueError:
            continue
        k = bisect.bisect_right(starts, address) - 1
        if k >= 0 and address < sections[k][0] + sections[k][1] and sections[k][2]:
            hit.add(k)
    return [sections[k][2] for k in sorted(hit)], sum(sections[k][1] for k in hit)


def text_offset_to_address(program):
    """Virtual address minus file offset of the executable segment (lld puts it one page on)."""
    headers = subprocess.run(["readelf", "-lW", program], capture_output=True, text=True).stdout
    for line in headers.splitlines():
        parts = line.split()
        if parts[:1] == ["LOAD"] and parts[-2:-1] == ["E"]:
            return int(parts[2], 16) - int(parts[1], 16)
    return 0


def main():
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("register", help="a copy of a register (the session signs a tenant in and records changes)")
    options.add_argument("--rounds", type=int, default=6)
    given = options.parse_args()
    for tool in ["perf", "readelf"]:
        if not shutil.which(tool):
            sys.exit("needs %s" % tool)
    args = link_command()
    work = tempfile.mkdtemp(prefix="kiosk-order-")
    order = os.path.join(work, "order.txt")
    symbols = []
    open(order, "w").close()
    for round_ in range(1, given.rounds + 1):
        real, linker_map = os.path.join(work, "consent.real"), os.path.join(work, "link.map")
        relink(args, real, order, linker_map)
        shutil.copy(os.path.join(RELEASE, "consent-bench"), work)
        perf_data = os.path.join(work, "perf.data")
        wrapper = os.path.join(work, "consent")
        with open(wrapper, "w") as script:
            script.write("#!/bin/sh\nexec perf record -q -o %s -e page-faults/period=1/u -e cpu-clock/period=3000/u -- %s \"$@\"\n"
                         % (perf_data, real))
        os.chmod(wrapper, 0o755)
        # perf ends with the kiosk's SIGTERM status, so the bench reports a failure after the session: expected.
        subprocess.run([os.path.join(work, "consent-bench"), "kiosk", "--web", "--db", given.register, "--runs", "1"],
                       cwd=ROOT, capture_output=True)
        found, size = session_symbols(perf_data, real, linker_map, text_offset_to_address(real))
        before, known = len(symbols), set(symbols)
        symbols += [s for s in found if s not in known]
        print("round %d: %d sections run (%.1f MB), %d symbols new, %d in all" % (round_, len(found), size / 1e6, len(symbols) - before, len(symbols)))
        with open(order, "w") as out:
            out.write("\n".join(symbols) + "\n")
    os.makedirs(os.path.dirname(ORDER), exist_ok=True)
    shutil.copy(order, ORDER)
    shutil.rmtree(work)
    # SwiftPM does not see the order file as an input of the link: remove the program so the next build links it.
    os.remove(os.path.join(RELEASE, "consent"))
    print("wrote %s; now link again: swift build -c release --product consent" % os.path.relpath(ORDER, ROOT))


if __name__ == "__main__":
    main()
