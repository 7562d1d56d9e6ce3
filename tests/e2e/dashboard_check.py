#!/usr/bin/env python3
"""Checks of the operator's dashboard (tests/e2e/dashboard.sh), stdlib only.

  sums PARKDIR OUT.json            plaintext park sums from the flows files and the
                                   agreed exchanges (expected.json minus declines)
  json PARKDIR report.json K       report.json against those sums, with suppression
  dom report.json DOM.html         every figure in the page equals report.json
  png FILE.png                     the screenshot is not blank (pixel variety)
  overflow DOM.html WIDTH          the test wrapper's measured scrollWidth <= WIDTH
"""
import json
import os
import struct
import sys
import zlib
from html.parser import HTMLParser

TOPS = {"material": "t/yr", "water": "m3/yr", "energy": "MWh/yr"}
FIGS = ["exchanged_supplied", "exchanged_received", "offered", "offered_unmatched", "needed"]
COUNTS = ["offer_contributors", "need_contributors", "exchange_contributors"]
COUNT_OF = {"exchanged_supplied": "exchange_contributors", "exchanged_received": "exchange_contributors",
            "offered": "offer_contributors", "offered_unmatched": "offer_contributors",
            "needed": "need_contributors"}


def load_park(d):
    comps = json.load(open(os.path.join(d, "companies.json")))
    flows = {c: {f["id"]: f for f in json.load(open(os.path.join(d, c + ".json")))["flows"]} for c in comps}
    exp = json.load(open(os.path.join(d, "expected.json")))
    declined = {(a, b, c) for a, b, c in exp.get("declines", [])}
    agreed = []
    for sup, off, con, need in exp["candidates"]:
        if (sup, off, con) in declined or (con, need, sup) in declined:
            continue
        agreed.append((sup, off, con, need))
    return comps, flows, agreed


def classes_of(cat):
    """The classes an item counts in: its two-level class and its top level."""
    parts = cat.split(".")
    out = []
    if len(parts) >= 2:
        out.append(".".join(parts[:2]))
    out.append(parts[0])
    return out


def counts_in_top(item):
    top = item["category"].split(".")[0]
    return item["quantity"]["unit"] == TOPS.get(top)


def need_qty(q):
    return q["min"] if "min" in q else q["max"]


def exchanged(offer, need):
    nq = need["quantity"]
    return min(offer["quantity"]["value"], nq["max"] if "max" in nq else nq["min"])


def plain_sums(d):
    comps, flows, agreed = load_park(d)
    cells = {}

    def add(company, cls, ind, v, marks):
        cells.setdefault(cls, {}).setdefault(ind, 0)
        cells[cls][ind] += v
        marks.setdefault((cls, ind), set()).add(company)

    marks = {}
    matched = {(s, o) for s, o, _, _ in agreed}
    for c, items in flows.items():
        for it in items.values():
            for cls in classes_of(it["category"]):
                if "." not in cls and not counts_in_top(it):
                    continue
                if it["direction"] == "offer":
                    add(c, cls, "offered", round(it["quantity"]["value"]), marks)
                    if (c, it["id"]) not in matched:
                        add(c, cls, "offered_unmatched", round(it["quantity"]["value"]), marks)
                    marks.setdefault((cls, "offer_contributors"), set()).add(c)
                else:
                    add(c, cls, "needed", round(need_qty(it["quantity"])), marks)
                    marks.setdefault((cls, "need_contributors"), set()).add(c)
    for s, o, c, n in agreed:
        off, need = flows[s][o], flows[c][n]
        q = round(exchanged(off, need))
        for cls in classes_of(off["category"]):
            if "." not in cls and not counts_in_top(off):
                continue
            add(s, cls, "exchanged_supplied", q, marks)
            add(c, cls, "exchanged_received", q, marks)
            marks.setdefault((cls, "exchange_contributors"), set()).update({s, c})
    for (cls, ind), who in marks.items():
        if ind in COUNTS:
            cells.setdefault(cls, {})[ind] = len(who)
    for cls in cells:
        for ind in FIGS + COUNTS:
            cells[cls].setdefault(ind, 0)
    return cells, agreed


def check_json(d, path, k):
    cells, agreed = plain_sums(d)
    rep = json.load(open(path))
    problems = []
    assert rep["min_contributors"] == k, rep["min_contributors"]
    got = {c["class"]: c for c in rep["classes"]}
    if set(got) != set(cells):
        problems.append("classes %s != %s" % (sorted(got), sorted(cells)))
    suppressed = 0
    for cls, want in cells.items():
        g = got.get(cls)
        if g is None:
            continue
        for ind in COUNTS:
            if g[ind] != want[ind]:
                problems.append("%s %s: %s != %s" % (cls, ind, g[ind], want[ind]))
        for ind in FIGS:
            few = want[COUNT_OF[ind]] < k
            if few and g[ind] is not None:
                problems.append("%s %s of %d companies is published: %s" % (cls, ind, want[COUNT_OF[ind]], g[ind]))
            if g[ind] is None:
                suppressed += 1
            elif g[ind] != want[ind]:
                problems.append("%s %s: %s != %s" % (cls, ind, g[ind], want[ind]))
    for key, top in (("material_t_per_yr", "material"), ("water_m3_per_yr", "water"), ("energy_mwh_per_yr", "energy")):
        want = got.get(top, {}).get("exchanged_supplied")
        if rep["totals"][key] != want:
            problems.append("totals.%s %s != %s" % (key, rep["totals"][key], want))
    if rep["exchanges_agreed"] != len(agreed):
        problems.append("exchanges_agreed %s != %d" % (rep["exchanges_agreed"], len(agreed)))
    if rep["consistent"] is not True:
        problems.append("consistent is not true")
    if suppressed == 0:
        problems.append("nothing was suppressed: the park should exercise suppression")
    for p in problems:
        print("  " + p)
    return not problems


class Figures(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values = {}
        self.scripts = 0
        self.marked = 0
        self.text = []
        self.external = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for attr in ("src", "href"):
            if attr in a and not (a[attr] or "").startswith("#"):
                self.external.append((tag, attr, a[attr]))
        if "data-value" in a:
            key = a.get("data-figure") or a.get("id") or "%s/%s" % (a.get("data-class"), a.get("data-indicator"))
            self.values[key] = a["data-value"]
            if a["data-value"] == "null" and tag == "td" and "fewer than" in "".join(self.text[-1:]):
                pass

    def handle_data(self, data):
        self.text.append(data)
        if "fewer than" in data and "companies" in data:
            self.marked += 1


def check_dom(rep_path, dom_path):
    rep = json.load(open(rep_path))
    p = Figures()
    p.feed(open(dom_path, encoding="utf-8").read())
    problems = []

    def same(key, want):
        got = p.values.get(key)
        w = "null" if want is None else str(want)
        if got != w:
            problems.append("%s: page %s, report.json %s" % (key, got, w))

    same("exchanges_agreed", rep["exchanges_agreed"])
    same("companies", rep["companies"])
    for key, v in rep["totals"].items():
        if key != "co2e_avoided_t_per_yr":
            same(key, v)
    same("tree-size", rep["audit"]["tree_size"])
    same("consistent", "true" if rep["consistent"] else "false")
    nulls = 0
    for c in rep["classes"]:
        for ind in FIGS + COUNTS:
            same("%s/%s" % (c["class"], ind), c[ind])
            nulls += c[ind] is None
    if p.marked < nulls:
        problems.append("%d suppressed cells but only %d marked 'fewer than k companies'" % (nulls, p.marked))
    if p.scripts:
        problems.append("the page has %d script elements" % p.scripts)
    if p.external:
        problems.append("the page refers to other resources: %s" % p.external[:3])
    for x in problems:
        print("  " + x)
    print("  %d figures compared, %d suppressed" % (len(p.values), nulls))
    return not problems


def png_pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), "unexpected PNG format"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    colours = set()
    prev = bytearray(stride)
    i = 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        for x in range(0, stride, bpp * 7):
            colours.add(bytes(line[x:x + 3]))
        prev = line
    return w, h, colours


def main():
    cmd = sys.argv[1]
    if cmd == "sums":
        cells, _ = plain_sums(sys.argv[2])
        json.dump({"state": "done", "included": 11, "cells": cells}, open(sys.argv[3], "w"), indent=1)
        return 0
    if cmd == "json":
        return 0 if check_json(sys.argv[2], sys.argv[3], int(sys.argv[4])) else 1
    if cmd == "dom":
        return 0 if check_dom(sys.argv[2], sys.argv[3]) else 1
    if cmd == "png":
        w, h, colours = png_pixels(sys.argv[2])
        print("  %dx%d, %d distinct colours sampled" % (w, h, len(colours)))
        return 0 if len(colours) >= 8 else 1
    if cmd == "overflow":
        dom = open(sys.argv[2], encoding="utf-8").read()
        mark = 'id="measure" data-scroll-width="'
        if mark not in dom:
            print("  the wrapper wrote no measurement")
            return 1
        sw, iw = dom.split(mark)[1].split('"')[0], dom.split('data-inner-width="')[1].split('"')[0]
        print("  scrollWidth %s, innerWidth %s, wanted <= %s" % (sw, iw, sys.argv[3]))
        return 0 if int(sw) <= int(sys.argv[3]) and int(sw) <= int(iw) else 1
    return 64


if __name__ == "__main__":
    sys.exit(main())
