#!/usr/bin/python3
"""wegwijzer report --svg: the chart is well-formed, accessible SVG whose bars add up to
the counts, with names escaped; headless Chromium renders it, the PNG is saved under
$WW_BUILD_ROOT/test-artifacts/ and its pixels show the bars in the legend's colours.
Exit 77 (skipped) only when Chromium is not installed."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

SRC = os.environ.get("WW_SOURCE_ROOT", ".")
BUILD = os.environ.get("WW_BUILD_ROOT", ".")
BIN = os.path.join(BUILD, "wegwijzer")
NS = {"s": "http://www.w3.org/2000/svg"}
HOSTILE = "<script>alert('x')</script> & \"co\""

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what, file=sys.stderr)


# service -> {channel: n}; all on 2026-05-04 (CEST)
MIX = {
    "paspoort": {"balie": 45, "telefoon": 5},
    "parkeervergunning": {"website": 60, "telefoon": 25, "chat": 15},
    "grofvuil": {"website": 70, "mijn_omgeving": 10},
    "bijstand": {"telefoon": 12, "balie": 8, "terugbelverzoek": 4},
    "verhuizing": {"website": 30, "telefoon": 10},
    HOSTILE: {"website": 3},
    "een_heel_lange_dienstnaam_die_niet_in_de_kolom_past_zonder_afkappen": {"email": 2},
}


def write_jsonl(path):
    k = 0
    with open(path, "w", encoding="utf-8") as f:
        for svc, chans in MIX.items():
            for ch, n in chans.items():
                for _ in range(n):
                    at = "2026-05-04T%02d:%02d:00+02:00" % (8 + k // 60 % 10, k % 60)
                    f.write(json.dumps({"at": at, "kind": "advice", "service": svc,
                                        "channel": ch, "origin": "web", "degraded": False,
                                        "ruleset": "r1"}) + "\n")
                    k += 1
        for _ in range(4):
            f.write(json.dumps({"at": "2026-05-04T12:00:00+02:00", "kind": "handover",
                                "channel": "website"}) + "\n")
        f.write(json.dumps({"at": "2026-05-04T12:10:00+02:00", "kind": "claimed",
                            "channel": "telefoon"}) + "\n")


def png_pixels(path):
    """Decode an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes): (w, h, rows)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError("unsupported PNG format %d/%d" % (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        ft, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return w, h, rows


def hexrgb(s):
    return tuple(int(s[i:i + 2], 16) for i in (1, 3, 5))


def main():
    tmp = tempfile.mkdtemp(prefix="ww-chart-")
    try:
        return run(tmp)
    finally:
        if not os.environ.get("WW_KEEP_LOGS"):
            shutil.rmtree(tmp, ignore_errors=True)


def run(tmp):
    src = os.path.join(tmp, "mix.jsonl")
    svg = os.path.join(tmp, "kanaalmix.svg")
    write_jsonl(src)
    p = subprocess.run([BIN, "report", "--from", src, "--since", "2026-05-04", "--until",
                        "2026-05-05", "--rules", os.path.join(SRC, "rules"), "--svg", svg],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, "report exit %d: %s" % (p.returncode, p.stderr))
    if p.returncode != 0:
        return 1

    # --- the SVG document
    tree = ET.parse(svg)   # raises on malformed XML (an unescaped name would)
    root = tree.getroot()
    check(root.tag == "{http://www.w3.org/2000/svg}svg", "root is <svg>")
    check(root.get("role") == "img", "role=img")
    check(root.get("aria-labelledby") == "title desc", "aria-labelledby")
    title = root.find("s:title", NS)
    desc = root.find("s:desc", NS)
    check(title is not None and title.text == "Kanaalmix per dienst", "title element")
    total = sum(sum(c.values()) for c in MIX.values())
    check(desc is not None and ("%d beslissingen" % total) in desc.text, "desc names the count")
    check(desc is not None and "website 54,5% (doel 55,0%), balie 17,7% (doel 8,0%)" in desc.text,
          "desc has the total mix against the target: %s" % (desc.text if desc is not None else ""))

    bars = {}
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        if g.get("class") != "bar":
            continue
        label = g.find("s:text/s:title", NS).text
        rects = g.findall("s:rect", NS)
        back = rects[0]
        segs = [r for r in rects if r.get("class") == "seg"]
        bars[label] = (back, segs)
    for svc, chans in MIX.items():
        check(svc in bars, "a bar for %r" % svc)
        if svc not in bars:
            continue
        back, segs = bars[svc]
        check(len(segs) == len(chans), "%r has %d segments" % (svc, len(chans)))
        width = sum(float(s.get("width")) for s in segs)
        check(abs(width - float(back.get("width"))) < 0.1, "%r segments fill the bar" % svc)
        n = sum(chans.values())
        for s in segs:
            ch = s.get("data-channel")
            want = chans.get(ch, 0)
            check(abs(float(s.get("width")) / float(back.get("width")) - want / n) < 1e-3,
                  "%r/%s width is its share" % (svc, ch))
            tip = s.find("s:title", NS).text
            check((" %d (" % want) in tip, "%r/%s tooltip has the count: %s" % (svc, ch, tip))
    check("Alle diensten" in bars and "Doel (regelset)" in bars, "total and target bars")
    with open(svg, encoding="utf-8") as f:
        text = f.read()
    check("<script>" not in text, "service names are escaped")
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text]
    check(any(lbl.endswith("\u2026") for lbl in labels), "a long name is clipped with …")
    targets = [ln for ln in root.iter("{http://www.w3.org/2000/svg}line")
               if ln.get("class") == "target"]
    check(len(targets) == 9, "one target marker per target channel (9), got %d" % len(targets))
    check("Overdrachten: 4 gemaakt, 1 opgehaald" in text, "handovers in the footer")
    # percent labels are white or black by contrast, as an inline style (CSS would win
    # over a fill attribute)
    pct = [t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "pct"]
    check(pct and all(t.get("style") in ("fill:#000000", "fill:#FFFFFF") for t in pct),
          "percent labels carry their ink")

    # an empty period still gives a valid chart that says so
    empty = os.path.join(tmp, "leeg.svg")
    p = subprocess.run([BIN, "report", "--from", src, "--since", "2026-06-01", "--until",
                        "2026-06-02", "--rules", os.path.join(SRC, "rules"), "--svg", empty],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, "empty report exit %d: %s" % (p.returncode, p.stderr))
    if p.returncode == 0:
        eroot = ET.parse(empty).getroot()
        etexts = [t.text for t in eroot.iter("{http://www.w3.org/2000/svg}text")]
        check("Geen beslissingen in deze periode." in etexts, "empty chart says so")

    # --- render in Chromium
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium not installed (apt-get install -y chromium): render skipped")
        return 77 if not failures else 1
    w, h = int(root.get("width")), int(float(root.get("height")))
    art = os.path.join(BUILD, "test-artifacts")
    os.makedirs(art, exist_ok=True)
    png = os.path.join(art, "report-chart.png")
    if os.path.exists(png):
        os.remove(png)
    shutil.copy(svg, os.path.join(art, "report-chart.svg"))
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--force-device-scale-factor=1", "--user-data-dir=" + os.path.join(tmp, "profile"),
           "--screenshot=" + png, "--window-size=%d,%d" % (w, h), "file://" + svg]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    check(r.returncode == 0 and os.path.exists(png), "chromium screenshot: %s" % r.stderr[-500:])
    if not os.path.exists(png):
        return 1
    pw, ph, rows = png_pixels(png)
    check((pw, ph) == (w, h), "PNG is %dx%d, want %dx%d" % (pw, ph, w, h))
    # each segment's lower left corner (away from the centred percent label and the
    # target markers above) has the segment's colour
    for svc in ("paspoort", "grofvuil", "bijstand", "Alle diensten", "Doel (regelset)"):
        if svc not in bars:
            continue
        for s in bars[svc][1]:
            x = int(float(s.get("x")) + 2.5)
            y = int(float(s.get("y")) + float(s.get("height")) - 3)
            if float(s.get("width")) < 4:
                continue
            got, want = rows[y][x], hexrgb(s.get("fill"))
            check(all(abs(a - b) <= 6 for a, b in zip(got, want)),
                  "%s/%s pixel at %d,%d is %s, want %s" % (svc, s.get("data-channel"), x, y,
                                                          got, want))
    print("chart: %s (%dx%d)" % (png, pw, ph))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
