#!/usr/bin/env python3
"""Write a synthetic GeoNames dump (19 tab-separated columns) of ROWS rows to OUT.

Names are built from Russian/Central Asian syllables (half common ones, half made up) with
realistic lengths (one to three words, mostly 6-20 characters), about half the rows carry alternates (a Cyrillic form made by
simple transliteration rules, press spellings such as kh->h, y->i, and for some rows
several more), and the feature classes follow the real dump's mix: about 40% of rows are
of classes drillmap keeps (P, A.ADM1, S.AIRP, L.MILB...), the rest streams, mountains,
buildings. Deterministic for a given seed.

usage: generate.py ROWS OUT [SEED]
"""
import random
import sys

SYL = ("ka ra bo lo vo no sel grad pol kov ska ya ta sha an ov in ma li da ber kul tash "
       "kent abad su tau dzha khan ur mir zhe ti ku ba gor ny ye ni sko ro za pe che "
       "us ar ok bek ai tal gul dar yar bul ak kara sary kyz ozen bay tyube nov stary "
       "vol ost rech ozer mys lug krasn bel chern zel sol").split()
SUFFIX = ["ovka", "evka", "ino", "ovo", "sk", "an", "abad", "kent", "tepa", "bulak", "aul", "ovskiy", "", "", ""]
WORDS = ["Novyy", "Staryy", "Verkhniy", "Nizhniy", "Bolshoy", "Malyy", "Kyzyl", "Ak", "Kara", "Sary"]
CYR = [("shch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("yu", "ю"),
       ("ya", "я"), ("ye", "е"), ("yy", "ый"), ("iy", "ий"), ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"),
       ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("y", "ы"), ("k", "к"), ("l", "л"), ("m", "м"),
       ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф")]
FEATURES = ([("P", "PPL")] * 36 + [("P", "PPLA")] + [("P", "PPLX")] + [("A", "ADM2")] * 3 +
            [("H", "STM")] * 20 + [("T", "MT")] * 14 + [("S", "BLDG")] * 12 + [("S", "AIRP")] +
            [("L", "PRK")] * 4 + [("L", "MILB")] + [("V", "FRST")] * 3 + [("A", "ADM1")] * 0 +
            [("R", "RD")] * 2 + [("U", "SMU")] + [("S", "FRM")] * 2)
COUNTRIES = "RU KZ UZ TJ KG TM AF UA BY CN IR MN PK IN US DE FR".split()


def cyrillic(latin):
    s = latin.lower()
    out = []
    i = 0
    while i < len(s):
        for lat, cyr in CYR:
            if s.startswith(lat, i):
                out.append(cyr)
                i += len(lat)
                break
        else:
            out.append(s[i])
            i += 1
    word = "".join(out)
    return " ".join(w[:1].upper() + w[1:] for w in word.split(" "))


CONS = "b v g d zh z k l m n p r s t f kh ts ch sh y".split()
VOWS = "a e i o u y ya ye yu".split()


def syllable(rng):
    # Half from the common syllables, half made up (consonant, vowel, maybe consonant), so
    # names are as varied as real ones rather than a few thousand repeated.
    if rng.random() < 0.5:
        return rng.choice(SYL)
    s = rng.choice(CONS) + rng.choice(VOWS)
    return s + rng.choice(CONS) if rng.random() < 0.4 else s


def name(rng):
    words = []
    if rng.random() < 0.15:
        words.append(rng.choice(WORDS))
    n = rng.choice((2, 2, 3, 3, 3, 4))
    base = "".join(syllable(rng) for _ in range(n)) + rng.choice(SUFFIX)
    words.append(base[:1].upper() + base[1:])
    if rng.random() < 0.08:
        extra = "".join(rng.choice(SYL) for _ in range(2))
        words.append(extra[:1].upper() + extra[1:])
    return " ".join(words)


def press(latin, rng):
    s = latin
    for a, b in (("kh", "h"), ("y", "i"), ("zh", "j"), ("ye", "e"), ("ov", "off")):
        if a in s and rng.random() < 0.5:
            s = s.replace(a, b)
    return s


def main():
    rows = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        buf = []
        for gid in range(1, rows + 1):
            n = name(rng)
            alts = []
            r = rng.random()
            if r < 0.5:
                pass
            elif r < 0.9:
                alts.append(cyrillic(n))
                if rng.random() < 0.5:
                    alts.append(press(n, rng))
            else:
                alts.append(cyrillic(n))
                for _ in range(rng.randint(2, 10)):
                    alts.append(press(n, rng) if rng.random() < 0.5 else name(rng))
            cls, code = rng.choice(FEATURES)
            pop = rng.choice((0, 0, 0, 120, 2300, 15000, 240000)) if cls == "P" else 0
            lat = rng.uniform(-60, 75)
            lon = rng.uniform(-180, 180)
            buf.append(f"{gid}\t{n}\t{n}\t{','.join(dict.fromkeys(a for a in alts if a != n))}\t"
                       f"{lat:.5f}\t{lon:.5f}\t{cls}\t{code}\t{rng.choice(COUNTRIES)}\t\t01\t\t\t\t"
                       f"{pop}\t\t100\tAsia/Tashkent\t2024-01-01\n")
            if len(buf) >= 100000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))


if __name__ == "__main__":
    main()
