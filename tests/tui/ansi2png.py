#!/usr/bin/env python3
"""ansi2png.py IN.ans OUT.png COLS ROWS - render `tmux capture-pane -e -p`
output (text with SGR escape sequences) as a PNG, cell by cell, with the
xterm 256-colour palette, bold, dim, underline and reverse video, in DejaVu
Sans Mono.  Used by `make screenshots`; needs python3-pil and
fonts-dejavu-core (Debian)."""
import re
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
SIZE = 15
BASE16 = [
    (0x1e, 0x1e, 0x1e), (0xcd, 0x31, 0x31), (0x0d, 0xbc, 0x79),
    (0xe5, 0xe5, 0x10), (0x24, 0x72, 0xc8), (0xbc, 0x3f, 0xbc),
    (0x11, 0xa8, 0xcd), (0xe5, 0xe5, 0xe5), (0x66, 0x66, 0x66),
    (0xf1, 0x4c, 0x4c), (0x23, 0xd1, 0x8b), (0xf5, 0xf5, 0x43),
    (0x3b, 0x8e, 0xea), (0xd6, 0x70, 0xd6), (0x29, 0xb8, 0xdb),
    (0xff, 0xff, 0xff),
]
DEFAULT_FG = (0xd4, 0xd4, 0xd4)
DEFAULT_BG = (0x16, 0x18, 0x1c)


def palette(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


class Cell:
    __slots__ = ("ch", "fg", "bg", "bold", "dim", "under", "rev")


def parse(text, cols, rows):
    grid = []
    state = dict(fg=None, bg=None, bold=False, dim=False, under=False,
                 rev=False)
    for line in text.split("\n")[:rows]:
        row = []
        pos = 0
        for m in re.finditer(r"\x1b\[([0-9;]*)m|([^\x1b])", line):
            if m.group(2) is not None:
                c = Cell()
                c.ch = m.group(2)
                for k, v in state.items():
                    setattr(c, {"under": "under"}.get(k, k), v)
                row.append(c)
                if unicodedata.east_asian_width(c.ch) in "WF":
                    row.append(None)
                continue
            params = [int(p) if p else 0 for p in m.group(1).split(";")]
            i = 0
            while i < len(params):
                p = params[i]
                if p == 0:
                    state.update(fg=None, bg=None, bold=False, dim=False,
                                 under=False, rev=False)
                elif p == 1:
                    state["bold"] = True
                elif p == 2:
                    state["dim"] = True
                elif p == 4:
                    state["under"] = True
                elif p == 7:
                    state["rev"] = True
                elif p == 22:
                    state["bold"] = state["dim"] = False
                elif p == 24:
                    state["under"] = False
                elif p == 27:
                    state["rev"] = False
                elif 30 <= p <= 37:
                    state["fg"] = palette(p - 30)
                elif 90 <= p <= 97:
                    state["fg"] = palette(p - 90 + 8)
                elif 40 <= p <= 47:
                    state["bg"] = palette(p - 40)
                elif 100 <= p <= 107:
                    state["bg"] = palette(p - 100 + 8)
                elif p == 39:
                    state["fg"] = None
                elif p == 49:
                    state["bg"] = None
                elif p in (38, 48) and i + 2 < len(params) + 1:
                    key = "fg" if p == 38 else "bg"
                    if i + 2 < len(params) and params[i + 1] == 5:
                        state[key] = palette(params[i + 2])
                        i += 2
                    elif i + 4 < len(params) and params[i + 1] == 2:
                        state[key] = tuple(params[i + 2:i + 5])
                        i += 4
                i += 1
            pos += 1
        grid.append(row[:cols])
    return grid


def render(grid, cols, rows, out):
    regular = ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", SIZE)
    bold = ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", SIZE)
    left, top, right, bottom = regular.getbbox("M")
    cw = int(regular.getlength("M") + 0.5)
    ch = int(SIZE * 1.3)
    pad = 10
    img = Image.new("RGB", (cols * cw + 2 * pad, rows * ch + 2 * pad),
                    DEFAULT_BG)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(grid):
        for x, c in enumerate(row):
            if c is None:
                continue
            fg = c.fg or DEFAULT_FG
            bg = c.bg or DEFAULT_BG
            if c.rev:
                fg, bg = bg, fg
            if c.dim:
                fg = tuple((a + b) // 2 for a, b in zip(fg, bg))
            px, py = pad + x * cw, pad + y * ch
            if bg != DEFAULT_BG:
                draw.rectangle([px, py, px + cw - 1, py + ch - 1], fill=bg)
            if c.ch in "\u2580\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588":
                # block elements: draw exactly, fonts leave gaps
                frac = "\u2580\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588".index(c.ch)
                h = ch * frac // 8
                draw.rectangle([px, py + ch - h, px + cw - 1, py + ch - 1],
                               fill=fg)
            elif c.ch == "\u2500":
                draw.line([px, py + ch // 2, px + cw, py + ch // 2], fill=fg)
            elif c.ch == "\u2502":
                draw.line([px + cw // 2, py, px + cw // 2, py + ch], fill=fg)
            elif c.ch != " ":
                draw.text((px, py + (ch - SIZE) // 2 - 1), c.ch, fill=fg,
                          font=bold if c.bold else regular)
            if c.under:
                draw.line([px, py + ch - 2, px + cw - 1, py + ch - 2],
                          fill=fg)
    img.save(out)


def main():
    src, out, cols, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    with open(src, encoding="utf-8", errors="replace") as f:
        text = f.read()
    render(parse(text, cols, rows), cols, rows, out)


if __name__ == "__main__":
    main()
