#!/usr/bin/env python3
"""Writes mizan's golden scoring corpus (text written for this project, no dataset text).

Outputs Tests/MizanTests/Fixtures/golden/corpus/{hyp,ref1,ref2}.txt: one segment per line,
lines separated by "\n" only, UTF-8. Hypotheses are noisy variants of the references; ref2 is a
second, lightly different reference set. Deterministic (fixed seed). Includes the traps listed in
docs/normalization.md: NFD text, combining marks, NBSP/U+202F, tabs, Python-only whitespace
(U+001C, U+0085, U+2028), zero-width and bidi controls, empty lines, a >2,000-character segment
and one-character segments.
"""
import os
import random
import unicodedata

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "MizanTests", "Fixtures", "golden", "corpus")

FRENCH = [
    "Le train de Rabat arrive à 8 h 30 sur le quai numéro 2.",
    "Je voudrais un café noir, s’il vous plaît !",
    "Où se trouve la gare routière la plus proche ?",
    "L’été dernier, nous sommes allés à Agadir avec mes cousins.",
    "Ça coûte 12,50 dirhams ; c’est un peu trop cher pour moi.",
    "Élise a écrit « bonjour » au tableau avant le cours.",
    "Les élèves de l’école primaire apprennent l’amazighe depuis 2011.",
    "Il pleut beaucoup à Tanger en hiver, mais rarement à Marrakech.",
    "Pouvez-vous m’indiquer le chemin de la médina ?",
    "Nous avons mangé un tajine aux pruneaux et aux amandes.",
    "Le médecin m’a conseillé de boire plus d’eau.",
    "Quelle heure est-il à Casablanca en ce moment ?",
    "Mon frère travaille dans une usine de textile à Fès.",
    "La réunion est reportée à jeudi prochain, à 14 h.",
    "Il faut réserver les billets deux semaines à l’avance.",
    "ÉCOLE NATIONALE : ÇA COMMENCE À 9 H !",
    "Le prix du pain a augmenté de 0,20 dirham cette année.",
    "Elle parle couramment l'arabe, le français et le tachelhit.",
]

MSA = [
    "ذهب الطالب إلى المكتبة في الصباح الباكر.",
    "إنّ التعليم حقٌّ لكلّ طفلٍ في هذا البلد.",
    "سوف نلتقي في المؤتمر خلال الأسبوع القادم.",
    "لقد ارتفعت أسعار المواد الغذائية هذا العام، خاصةً الخضر.",
    "ما هي عاصمة المملكة المغربية؟",
    "تقع مدينة فاس في شمال المغرب، وهي مدينة عريقة.",
    "أريد أن أتعلّم اللغة الأمازيغية؛ فهي جزء من هويتنا.",
    "يبلغ عدد سكان المدينة نحو ٣٫٥ مليون نسمة.",
    "ليس من السهل إيجاد عمل في هذه الظروف.",
    "قرأتُ الكتاب الذي أعطيتني إيّاه، وكان ممتعًا جدا.",
    "هطلت أمطار غزيرة على المناطق الجبلية يوم الإثنين.",
    "ماذا تفعل الآن؟ هل أنت مشغول؟",
    "الطالبات اللواتي نجحن سيحصلن على منحة دراسية.",
    "افتُتح المعرض الدولي للكتاب في ٢٠٢٤ بالرباط.",
]

DARIJA = [
    "واش نتا جاي غدا للدار؟",
    "بغيت نشري شي خبز من الحانوت.",
    "دابا غادي نمشي للخدمة، من بعد نتلاقاو.",
    "الجو زوين بزاف اليوم، يالاه نخرجو.",
    "فين كاين المحطة ديال الطرامواي؟",
    "علاش ما جيتيش البارح للعرس؟",
    "خاصني نخلص الضو والما قبل الخميس.",
    "شنو بغيتي تاكل فالعشا؟ كاين الحوت ولا الدجاج.",
    "كنتسنى الطوبيس من الصباح وما جاش.",
    "هاد الكتاب ديالي ماشي ديالك.",
    "ماما كتقول خاصنا نمشيو عند جدتي فالعطلة.",
    "واخا، غادي نصيفط ليك الميساج من دابا شوية.",
    "الڭاراج ديال جارنا مسدود.",
    "كيداير؟ لاباس عليك؟",
]

ARABIZI = [
    "wach nta jay ghda l dar?",
    "bghit nchri chi khobz mn l7anout.",
    "daba ghadi nmchi l khedma, mn b3d ntla9aw.",
    "ljaw zwin bzaf lyoum, yallah nkherjo.",
    "3lach ma jitich lbare7 l3ers?",
    "khassni nkhelles dow w lma 9bel lkhmis.",
    "chno bghiti takol f l3cha? kayn l7out wla djaj.",
    "had lktab dyali machi dyalk.",
    "9lbi m3ak a sa7bi, matkhafch.",
    "kan9elleb 3la chi 7aja rkhisa.",
    "wakha, ghadi nsifet lik lmessage daba chwiya.",
]

TIFINAGH = [
    "ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ, ⵎⴰⵏⵣⴰⴽⵉⵏ?",
    "ⵜⴰⵎⴰⵣⵉⵖⵜ ⴷ ⵜⵓⵜⵍⴰⵢⵜ ⵜⴰⵏⴰⵎⵓⵔⵜ.",
    "ⵔⵉⵖ ⴰⴷ ⵙⵙⵓⵖ ⴰⵎⴰⵏ ⵉⵣⴷⴷⵉⴳⵏ.",
    "ⵜⴰⴷⴷⴰⵔⵜ ⵏⵏⵖ ⵜⵍⵍⴰ ⴳ ⵓⴷⵔⴰⵔ.",
    "ⵉⵛⵜⴰ ⵓⴼⵔⵓⵅ ⴰⵖⵔⵓⵎ ⴷ ⵓⵎⵓⵔⴰⵢ.",
    "ⴰⵙⵙ ⴰⴷ ⵢⵓⴼⴰ ⵓⵏⵥⴰⵕ ⴰⵟⵟⴰⵚ.",
    "ⵎⴰⵏⵉ ⵜⵍⵍⵉⴷ ⴰⵙⵙⴰ? ⵏⴽⴽ ⴳ ⵜⵎⴷⵉⵏⵜ.",
    "ⴰⴳⵯⵎⴰⵔ ⵉⵣⵔⵉ ⵖⴼ ⵓⵖⴰⵔⴰⵙ.",
    "ⵜⴰⵙⴽⴽⵯⵉⵍⵜ ⵏ ⵜⵉⴼⵉⵏⴰⵖ ⵜⵍⵍⴰ ⴷⵉⴳ ⵓⵖⵔⵉⵙ.",
    "ⵉⵍⵍⴰ ⵓⵙⵎⵎⵉⴹ ⴱⵣⵣⴰⴼ ⴳ ⵓⴷⵔⴰⵔ ⵏ ⴰⵟⵍⴰⵙ⵰",
]

LATIN_TAMAZIGHT = [
    "Azul fell-awen, amek tettiliḍ?",
    "Aɣrum d waman d ayen yelhan.",
    "Ad nṛuḥ ɣer ssuq azekka ṣṣbeḥ.",
    "Tamɣart-nni teẓṛa aɣyul deg ubrid.",
    "Ur sliɣ ara i wawal-a yakan.",
    "Tasekkurt tella ɣef useklu ameqqran.",
    "Nekk d amaziɣ, tutlayt-iw d tamaziɣt.",
    "Yeɛreq-as ṭṭerf n tɣawsa-nni.",
    "Ḍḍu n yiṭij yeččur axxam.",
    "Acḥal n wakud i tebɣiḍ ad teqqimeḍ?",
]

POOLS = {
    "fr": FRENCH, "ar": MSA, "ary": DARIJA, "arz": ARABIZI, "tfng": TIFINAGH, "tzm": LATIN_TAMAZIGHT,
}

EXTRA_WORDS = {
    "fr": ["très", "donc", "alors", "vraiment", "aujourd’hui", "là", "hôtel", "œuvre"],
    "ar": ["جدا", "الآن", "أيضا", "قد", "التي", "الذي"],
    "ary": ["بزاف", "دابا", "غادي", "واش", "ديال", "كاع"],
    "arz": ["bzaf", "daba", "ghadi", "wach", "dyal", "3afak", "safi"],
    "tfng": ["ⴰⵎⴰⵏ", "ⴰⵖⵔⵓⵎ", "ⵜⴰⴷⴷⴰⵔⵜ", "ⴰⵙⵙ", "ⵉⴳⵯⵍⴰ"],
    "tzm": ["aman", "aɣrum", "ṭṭerf", "ɣef", "yiwen", "ḍeggaɛ"],
}

TASHKEEL = ["\u064E", "\u064F", "\u0650", "\u0651", "\u0652", "\u064B"]


def words(s):
    return s.split(" ")


def noisy(rng, s, lang, strength):
    """A plausible system output derived from reference `s`."""
    w = words(s)
    for _ in range(strength):
        op = rng.random()
        if not w:
            break
        i = rng.randrange(len(w))
        if op < 0.2 and len(w) > 2:
            del w[i]
        elif op < 0.35:
            w.insert(i, rng.choice(EXTRA_WORDS[lang]))
        elif op < 0.5 and len(w) > 1:
            j = min(len(w) - 1, i + 1)
            w[i], w[j] = w[j], w[i]
        elif op < 0.6:
            w[i] = rng.choice(EXTRA_WORDS[lang])
        elif op < 0.7 and len(w) > 3:
            # move a chunk (exercises TER shifts)
            k = rng.randrange(1, 3)
            chunk = w[i:i + k]
            del w[i:i + k]
            j = rng.randrange(len(w) + 1)
            w[j:j] = chunk
        elif op < 0.8:
            w[i] = w[i][:-1] if len(w[i]) > 2 else w[i] + w[i][-1:]
        else:
            pass
    out = " ".join(w)
    r = rng.random()
    if lang in ("ar", "ary") and r < 0.25:
        # add or strip tashkeel / tatweel
        chars = list(out)
        for _ in range(3):
            k = rng.randrange(len(chars))
            if "\u0621" <= chars[k] <= "\u064A":
                chars.insert(k + 1, rng.choice(TASHKEEL))
        out = "".join(chars)
    elif lang in ("ar", "ary") and r < 0.4:
        out = out.replace("؟", "?").replace("،", ",").replace("؛", ";")
    elif lang == "fr" and r < 0.3:
        out = out.replace(" ?", "\u00a0?").replace(" !", "\u202f!").replace(" ;", "\u202f;").replace(" :", "\u00a0:")
    elif lang == "fr" and r < 0.45:
        out = out.replace("’", "'")
    elif lang == "arz" and r < 0.3:
        out = out.capitalize()
    elif lang == "tfng" and r < 0.3:
        out = out.replace("ⴳ", "ⴳⵯ", 1)
    elif lang == "tzm" and r < 0.3:
        out = out.replace("ɣ", "γ").replace("ɛ", "ε")
    r = rng.random()
    if r < 0.12:
        out = unicodedata.normalize("NFD", out)
    elif r < 0.18:
        out = out.replace(" ", "\t", 1)
    elif r < 0.24:
        out = out.replace(" ", "  ", 1) + " "
    elif r < 0.27:
        out = "\u200f" + out
    return out


def second_reference(rng, s, lang):
    """A second acceptable reference: a light rewording of `s`."""
    return noisy(rng, s, lang, 1) if rng.random() < 0.7 else s


def main():
    rng = random.Random(20240613)
    hyp, ref1, ref2 = [], [], []
    langs = list(POOLS)
    for rnd in range(5):
        for lang in langs:
            for s in POOLS[lang]:
                strength = rng.choice([0, 1, 2, 3, 5])
                ref1.append(s)
                hyp.append(noisy(rng, s, lang, strength))
                ref2.append(second_reference(rng, s, lang))
    # hand-made traps
    traps = [
        ("", "Bonjour.", "Salut."),                       # empty hypothesis
        ("Bonjour.", "", "Bonjour !"),                   # empty first reference
        ("", "", ""),                                    # all empty
        ("a", "a", "b"),                                 # one-character segments
        ("ⵣ", "ⵣ", "ⵣ"),
        ("؟", "?", "؟"),
        ("x", "y", "y"),
        ("   ", "\t", " "),                              # whitespace only
        ("Ça\u00a0va\u202f?", "Ça va ?", "Ça va?"),
        ("Cafe\u0301 cre\u0300me", "Café crème", "Cafe\u0301 cre\u0300me"),  # NFD vs NFC
        ("wach\u0085nta\u2028jay\u001cghda", "wach nta jay ghda", "wach nta jay ghda?"),
        ("zero\u200bwidth\ufeffjoin", "zero width join", "zerowidthjoin"),
        ("ﻻ أعرف", "لا أعرف", "لا أعرف."),           # presentation form
        ("الـــسلام عليكم", "السلام عليكم", "السلامُ عليكم"),  # tatweel, tashkeel
        ("ΟΔΟΣ ΚΑΙ ΣΟΦΙΑ", "οδος και σοφια", "οδός και σοφία"),  # final sigma under lowercasing
        ("İstanbul ve IŞIK", "istanbul ve ışık", "İstanbul ve Işık"),
        ("&quot;Salam&quot; &amp; &lt;tag&gt; <skipped> fin", "\"Salam\" & <tag> fin", "Salam & tag fin"),
        ("1,000.50 - 3-4 $ 5€ 10% x+y=z", "1,000.50 - 3 - 4 $ 5 € 10 % x + y = z", "1000.50 3-4 $5 €5"),
        ("(salut) [ok] {fin}.", "( salut ) [ ok ] { fin } .", "salut ok fin"),
        ("one\rtwo", "one two", "one\rtwo"),
        ("C'est l'été, n'est-ce pas?", "C’est l’été, n’est-ce pas ?", "C'est l'été n'est-ce pas"),
        ("3ayan 7it 9bel 2a 5ir 6arf", "3ayan 7it 9bel 2a 5ir 6arf", "ayan hit qbel a khir tarf"),
        ("ⵜⴰⵎⴰⵣⵉⵖⵜ", "ⵜⴰⵎⴰⵣⵉⵖⵜ ⵜⴰⵏⴰⵎⵓⵔⵜ", "ⵜⴰⵎⴰⵣⵉⵖⵜ"),
        ("ⴰⴳⵯⵎⴰⵔ ⵉⴳⵍⴰ", "ⴰⴳⵎⴰⵔ ⵉⴳⵯⵍⴰ", "ⴰⴳⵯⵎⴰⵔ ⵉⴳⵯⵍⴰ"),
        ("a b c d e f g h i j k l m n o p", "p o n m l k j i h g f e d c b a", "a b c d e f g h"),
        ("the the the the the the", "the cat", "the the"),
        ("x y z x y z x y z x y z", "x y z", "z y x z y x"),
    ]
    for h, r1, r2 in traps:
        hyp.append(h); ref1.append(r1); ref2.append(r2)
    # one very long segment (> 2,000 characters): a whole paragraph of mixed text
    long_ref = " ".join(FRENCH + MSA + DARIJA + TIFINAGH)
    assert len(long_ref) > 2000
    long_hyp = noisy(random.Random(7), long_ref, "fr", 25)
    hyp.append(long_hyp); ref1.append(long_ref); ref2.append(noisy(random.Random(8), long_ref, "fr", 4))
    # a long word-salad segment (many TER shift candidates)
    salad = " ".join(w for s in ARABIZI for w in s.split())
    salad_words = salad.split()
    random.Random(9).shuffle(salad_words)
    hyp.append(" ".join(salad_words)); ref1.append(salad); ref2.append(salad)

    os.makedirs(OUT, exist_ok=True)
    for name, lines in (("hyp.txt", hyp), ("ref1.txt", ref1), ("ref2.txt", ref2)):
        for ln in lines:
            assert "\n" not in ln
        with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(lines) + "\n")
    print(f"wrote {len(hyp)} segment pairs to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
