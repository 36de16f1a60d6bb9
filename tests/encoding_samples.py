"""Small news paragraphs written for the encoding tests, one per language, with the legacy
code pages each can be saved in. Used by tests/test_charsets.py and
benchmarks/bench_encodings.py (written for this project; no external text)."""

from __future__ import annotations

WESTERN = ("cp1252", "latin-1", "iso8859_15")
CENTRAL = ("cp1250", "iso8859_2")
CYRILLIC = ("cp1251", "koi8_r", "cp866", "iso8859_5")

# language -> (paragraph, code pages it is saved in)
SAMPLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "french": (
        "Le ministère des Affaires étrangères a publié jeudi un communiqué sur la réunion "
        "des délégués à Genève. Les représentants ont évoqué la sécurité régionale, la "
        "coopération économique et l'accès à l'eau ; aucune décision n'a été prise.",
        WESTERN),
    "german": (
        "Die Außenminister trafen sich am Donnerstag in München, um über die Zusammenarbeit "
        "zu sprechen. Die Gespräche über Wirtschaftsförderung und Klimaschutz werden nächste "
        "Woche in Köln fortgesetzt; Ergebnisse sollen später veröffentlicht werden.",
        WESTERN),
    "spanish": (
        "El ministro de Asuntos Exteriores se reunió el jueves con la delegación en Córdoba. "
        "La reunión trató sobre la cooperación económica y la situación en la región; "
        "también habló el señor Muñoz, que pidió más inversión en educación.",
        WESTERN),
    "portuguese": (
        "O ministro dos Negócios Estrangeiros reuniu-se na quinta-feira com a delegação em "
        "São Paulo. As conversações trataram da cooperação económica e da situação na "
        "região, e não foi tomada nenhuma decisão sobre o orçamento.",
        WESTERN),
    "italian": (
        "Il ministro degli Esteri ha incontrato giovedì la delegazione a Città di Castello. "
        "I colloqui hanno riguardato la cooperazione economica e la sicurezza della regione; "
        "non è stata presa alcuna decisione, ma l'incontro è stato definito utile.",
        WESTERN),
    "catalan": (
        "El ministre d'Afers Exteriors es va reunir dijous amb la delegació a Girona. Les "
        "converses van tractar de la cooperació econòmica i de la situació a la regió; "
        "també hi va participar l'alcaldessa, que va demanar més inversió.",
        WESTERN),
    "dutch": (
        "De minister van Buitenlandse Zaken heeft donderdag de delegatie ontvangen in "
        "Maastricht. De gesprekken gingen over economische samenwerking en de veiligheid in "
        "de regio; er is nog geen beslissing genomen over de financiële bijdrage.",
        WESTERN),
    "swedish": (
        "Utrikesministern träffade på torsdagen delegationen i Göteborg. Samtalen handlade "
        "om ekonomiskt samarbete och säkerheten i regionen; något beslut fattades inte, men "
        "mötet beskrevs som värdefullt av båda parter.",
        WESTERN),
    "danish": (
        "Udenrigsministeren mødtes torsdag med delegationen i Århus. Samtalerne drejede sig "
        "om økonomisk samarbejde og sikkerheden i regionen; der blev ikke truffet nogen "
        "beslutning, men mødet blev kaldt nyttigt af begge sider.",
        WESTERN),
    "icelandic": (
        "Utanríkisráðherra hitti sendinefndina í Reykjavík á fimmtudaginn. Viðræðurnar "
        "snerust um efnahagslegt samstarf og öryggi á svæðinu; engin ákvörðun var tekin, en "
        "fundurinn þótti gagnlegur.",
        WESTERN),
    "finnish": (
        "Ulkoministeri tapasi torstaina valtuuskunnan Jyväskylässä. Keskustelut koskivat "
        "taloudellista yhteistyötä ja alueen turvallisuutta; päätöksiä ei tehty, mutta "
        "tapaamista pidettiin hyödyllisenä.",
        WESTERN),
    "english": (
        "The minister’s delegation met in Zürich on Thursday — a café near the station "
        "hosted the “informal” part of the talks, which touched on the naïve hope of a "
        "quick agreement on the budget for 2025.",
        WESTERN),
    "polish": (
        "Minister spraw zagranicznych spotkał się w czwartek w Łodzi z delegacją. Rozmowy "
        "dotyczyły współpracy gospodarczej, bezpieczeństwa regionu oraz źródeł energii; "
        "żadnych decyzji nie podjęto, ale spotkanie uznano za pożyteczne.",
        CENTRAL),
    "czech": (
        "Ministr zahraničí se ve čtvrtek sešel v Brně s delegací. Jednání se týkala "
        "hospodářské spolupráce a bezpečnosti v regionu; žádné rozhodnutí nebylo přijato, "
        "ale schůzka byla označena za užitečnou.",
        CENTRAL),
    "slovak": (
        "Minister zahraničných vecí sa vo štvrtok stretol s delegáciou v Košiciach. "
        "Rokovania sa týkali hospodárskej spolupráce a bezpečnosti v regióne; nijaké "
        "rozhodnutie neprijali, ale stretnutie označili za užitočné.",
        CENTRAL),
    "hungarian": (
        "A külügyminiszter csütörtökön Győrben találkozott a küldöttséggel. A tárgyalások "
        "a gazdasági együttműködésről és a térség biztonságáról szóltak; döntés nem "
        "született, de a találkozót hasznosnak ítélték.",
        CENTRAL),
    "romanian": (
        "Ministrul de externe s-a întâlnit joi cu delegaţia la Iaşi. Discuţiile au privit "
        "cooperarea economică şi securitatea în regiune; nu s-a luat nicio decizie, dar "
        "întâlnirea a fost considerată utilă.",
        CENTRAL),
    "croatian": (
        "Ministar vanjskih poslova sastao se u četvrtak s izaslanstvom u Đakovu. Razgovori "
        "su se odnosili na gospodarsku suradnju i sigurnost u regiji; nije donesena "
        "nikakva odluka, ali sastanak je ocijenjen korisnim.",
        CENTRAL),
    "slovene": (
        "Zunanji minister se je v četrtek sestal z delegacijo v Mariboru. Pogovori so se "
        "nanašali na gospodarsko sodelovanje in varnost v regiji; odločitev ni bila "
        "sprejeta, srečanje pa so ocenili kot koristno.",
        CENTRAL),
    "greek": (
        "Ο υπουργός Εξωτερικών συναντήθηκε την Πέμπτη με την αντιπροσωπεία στη Θεσσαλονίκη. "
        "Οι συνομιλίες αφορούσαν την οικονομική συνεργασία και την ασφάλεια στην περιοχή· "
        "δεν ελήφθη καμία απόφαση.",
        ("cp1253", "iso8859_7")),
    "turkish": (
        "Dışişleri Bakanı perşembe günü İzmir'de heyetle görüştü. Görüşmelerde ekonomik "
        "işbirliği ve bölgedeki güvenlik ele alındı; herhangi bir karar alınmadı, ancak "
        "toplantı yararlı bulundu.",
        ("cp1254", "iso8859_9")),
    "lithuanian": (
        "Užsienio reikalų ministras ketvirtadienį Kaune susitiko su delegacija. Pokalbiai "
        "buvo skirti ekonominiam bendradarbiavimui ir saugumui regione; jokio sprendimo "
        "nepriimta, tačiau susitikimas įvertintas kaip naudingas.",
        ("cp1257",)),
    "latvian": (
        "Ārlietu ministrs ceturtdien Liepājā tikās ar delegāciju. Sarunas bija par "
        "ekonomisko sadarbību un drošību reģionā; lēmums netika pieņemts, taču tikšanās "
        "tika novērtēta kā noderīga.",
        ("cp1257",)),
    "russian": (
        "Министр иностранных дел в четверг встретился с делегацией в Екатеринбурге. "
        "Переговоры касались экономического сотрудничества и безопасности в регионе; "
        "решение пока не принято, но встречу назвали полезной.",
        CYRILLIC),
    "ukrainian": (
        "Міністр закордонних справ у четвер зустрівся з делегацією в Києві. Переговори "
        "стосувалися економічного співробітництва та безпеки в регіоні; рішення ще не "
        "ухвалено, але зустріч назвали корисною.",
        ("cp1251", "koi8_u")),
    "belarusian": (
        "Міністр замежных спраў у чацвер сустрэўся з дэлегацыяй у Гродне. Перамовы "
        "тычыліся эканамічнага супрацоўніцтва і бяспекі ў рэгіёне; рашэнне пакуль не "
        "прынята.",
        ("cp1251",)),
    "bulgarian": (
        "Министърът на външните работи се срещна в четвъртък с делегацията в Пловдив. "
        "Разговорите засегнаха икономическото сътрудничество и сигурността в региона; "
        "решение все още не е взето.",
        ("cp1251",)),
    "serbian": (
        "Министар спољних послова састао се у четвртак са делегацијом у Нишу. Разговори су "
        "се односили на економску сарадњу и безбедност у региону; одлука још није донета.",
        ("cp1251",)),
}

# What each code page is called once read (latin-1 and iso-8859-15 text without their few
# differing bytes reads the same in cp1252; iso-8859-7 Greek in cp1253...).
SAME_TEXT_AS = {"latin-1": "cp1252", "iso8859_15": "cp1252", "iso8859_7": "cp1253",
                "iso8859_9": "cp1254"}


def cases(min_len: int | None = None):
    """(language, code page, text) for every sample in every code page it can be saved in;
    with ``min_len``, the text cut to its first sentence of at least that many characters."""
    for lang, (text, pages) in SAMPLES.items():
        if min_len is not None:
            end = text.find(". ", min_len)
            text = text if end < 0 else text[: end + 1]
        for enc in pages:
            try:
                text.encode(enc)
            except UnicodeEncodeError:
                continue
            yield lang, enc, text
