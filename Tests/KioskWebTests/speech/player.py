#!/usr/bin/env python3
"""A stand-in for a sound card: copies the WAV on standard input to OUT at the pace a speaker plays it
(its byte rate, from the header), so a test can tell when the first sound would be heard and check that
stopping read-aloud ends playback before the page has all been said.

Usage: player.py OUT
"""
import sys
import time

out = open(sys.argv[1], "wb", buffering=0)
header = sys.stdin.buffer.read(44)
out.write(header)
rate = int.from_bytes(header[28:32], "little") if len(header) == 44 else 44100
start, played = time.monotonic(), 0
while True:
    chunk = sys.stdin.buffer.read1(rate // 20) if hasattr(sys.stdin.buffer, "read1") else sys.stdin.buffer.read(rate // 20)
    if not chunk:
        break
    out.write(chunk)
    played += len(chunk)
    # Playing takes the sound's own length: wait until this chunk would have been heard.
    ahead = start + played / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
