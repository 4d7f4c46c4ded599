#!/usr/bin/env python3
"""Writes a synthetic rule set the size of a shared one: N rules over S services, for
measuring how the engine scales with the rule count (issue 16, target 5; bench/scale.sh).

    bench/gen_rules.py --rules N --services S [--seed X] [--from rules] OUT_DIR

It models a rule set that many municipalities share: the channels and the helper
functions of the bundled set (copied from --from), S services spread over ceil(S/30)
municipalities (each service has `gemeente = "<slug>"`), and N rules:
  - 17 general rules for everyone, like the bundled ones (status, urgency, DigiD,
    language, digital skills, needs, hours, holidays);
  - per municipality up to 16 rules over its services by tag, complexity, audience or
    presence, with `citizen`, `context` or `when` conditions;
  - the rest: rules for one service each (`service = { id = "..." }`), mostly with a
    `citizen`, `context` or `when` condition.
So a request meets about the same number of rules whatever N is; what grows is the
number of rules that do not apply to it (what the engine must skip cheaply).
Tests: one case per generated rule (its note or reason shows up when its conditions
hold) and a duty-of-care loop per municipality, so `wegwijzer test OUT_DIR` runs and passes.

Deterministic: the same arguments write byte-identical files (own xorshift generator).
Prints one line of statistics on stdout.
"""
import argparse
import os
import shutil
import sys

MASK = (1 << 64) - 1


class Rand:
    """xorshift64, as bench_decide.c: the same numbers on every Python version."""

    def __init__(self, seed):
        self.s = (seed * 0x9E3779B97F4A7C15 + 1) & MASK or 1

    def next(self):
        s = self.s
        s ^= (s << 13) & MASK
        s ^= s >> 7
        s ^= (s << 17) & MASK
        self.s = s
        return s

    def below(self, n):
        return self.next() % n

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, p):
        return self.below(1000) < p * 1000

    def shuffled(self, seq):
        out = list(seq)
        for i in range(len(out) - 1, 0, -1):
            j = self.below(i + 1)
            out[i], out[j] = out[j], out[i]
        return out


def q(s):
    """A Lua string literal."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return q(v)
    if isinstance(v, (list, tuple)):
        return "{ " + ", ".join(lua(x) for x in v) + " }"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {lua(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


# ---- services: templates after the bundled catalogue and the UPL ----------------------
# (id, name, upl, audience, presence, auth, complexity, tags, extra fields)
T = [
    ("paspoort", "Paspoort aanvragen", "paspoort", "burger", True, "none", "low",
     ["burgerzaken", "reisdocument"], dict(online=False, post=False, ophalen_balie=True,
                                           toestemming_minderjarig=True)),
    ("identiteitskaart", "Identiteitskaart aanvragen", "identiteitskaart", "burger", True, "none",
     "low", ["burgerzaken", "reisdocument"], dict(online=False, post=False, ophalen_balie=True)),
    ("rijbewijs_verlengen", "Rijbewijs verlengen", "rijbewijs", "burger", False, "substantieel",
     "low", ["burgerzaken", "rijbewijs"], dict(post=False, online_via="de RDW",
                                                ophalen_balie=True, spoed_online=False)),
    ("rijbewijs_omwisselen", "Buitenlands rijbewijs omwisselen",
     "rijbewijs buitenlands omwisseling", "burger", True, "none", "medium",
     ["burgerzaken", "rijbewijs"], dict(online=False, post=False, ophalen_balie=True)),
    ("verhuizing", "Verhuizing doorgeven", "verhuismelding", "burger", False, "midden", "low",
     ["burgerzaken", "verhuizen"],
     dict(termijn="Geef uw verhuizing door tussen 4 weken voor en uiterlijk 5 dagen na de verhuisdatum.")),
    ("emigratie", "Vertrek naar het buitenland doorgeven", "verhuismelding", "burger", False,
     "midden", "medium", ["burgerzaken", "verhuizen"],
     dict(termijn="Geef uw vertrek uiterlijk 5 dagen voor uw vertrek door.")),
    ("uittreksel_brp", "Uittreksel BRP aanvragen", "brp-uittreksel", "burger", False, "midden",
     "low", ["burgerzaken"], {}),
    ("geboorteaangifte", "Geboorte aangeven", "geboorteaangifte", "burger", False, "midden",
     "medium", ["burgerzaken"], dict(termijn="Doe aangifte binnen 3 werkdagen na de geboorte.")),
    ("overlijdensaangifte", "Overlijden aangeven", "overlijdensaangifte", "burger", False, "none",
     "medium", ["burgerzaken"],
     dict(online=False, uitleg="Meestal doet de uitvaartondernemer de aangifte van overlijden voor u.")),
    ("huwelijk", "Voorgenomen huwelijk melden", "huwelijksaangifte", "burger", False, "midden",
     "medium", ["burgerzaken", "huwelijk"],
     dict(termijn="Meld uw huwelijk minimaal 2 weken en maximaal 1 jaar voor de trouwdatum.")),
    ("naturalisatie", "Nederlander worden (naturalisatie)", "naturalisatieverzoek", "burger", True,
     "none", "high", ["burgerzaken"], dict(online=False, post=False)),
    ("naamgebruik", "Naamgebruik wijzigen", "naamgebruik", "burger", False, "midden", "low",
     ["burgerzaken"], {}),
    ("vog", "Verklaring Omtrent het Gedrag aanvragen", "verklaring omtrent het gedrag",
     "burger", False, "midden", "low", ["burgerzaken"], dict(online_via="Justis")),
    ("parkeervergunning", "Parkeervergunning aanvragen", "parkeervergunning", "beide", False,
     "midden", "low", ["parkeren"], dict(eherkenning="eh2+")),
    ("gehandicaptenparkeerkaart", "Gehandicaptenparkeerkaart aanvragen",
     "gehandicaptenparkeerkaart", "burger", False, "midden", "medium", ["parkeren", "zorg"],
     dict(machtigen=True, uitleg="Na uw aanvraag volgt een medische keuring.")),
    ("parkeerontheffing", "Ontheffing parkeren aanvragen", "parkeerontheffing", "beide", False,
     "midden", "medium", ["parkeren"], dict(eherkenning="eh2+")),
    ("afvalcontainer", "Afvalcontainer aanvragen of omruilen", "afvalcontainer", "burger", False,
     "none", "low", ["afval"], dict(post=False)),
    ("grofvuil", "Grofvuil laten ophalen", "afvalinzameling grofvuil", "burger", False, "none",
     "low", ["afval"], dict(post=False)),
    ("melding_openbare_ruimte", "Melding openbare ruimte doen", "melding openbare ruimte (algemeen)",
     "beide", False, "none", "low", ["openbare_ruimte"], dict(post=False)),
    ("bedrijfsafval", "Bedrijfsafval laten ophalen", "bedrijfsafvalinzameling", "bedrijf", False,
     "eh2+", "low", ["afval", "ondernemen"], {}),
    ("kapvergunning", "Boom kappen (kapvergunning)", "kapvergunning", "beide", False, "midden",
     "medium", ["openbare_ruimte", "bouwen"], dict(eherkenning="eh3")),
    ("bijstand", "Bijstandsuitkering aanvragen", "bijstand", "burger", False, "midden", "high",
     ["sociaal_domein", "werk_inkomen"], dict(machtigen=True)),
    ("bijzondere_bijstand", "Bijzondere bijstand aanvragen", "bijzondere bijstand", "burger",
     False, "midden", "medium", ["sociaal_domein", "werk_inkomen"], dict(machtigen=True)),
    ("wmo", "Hulp of ondersteuning aanvragen (Wmo)", "wmo-voorziening", "burger", False, "midden",
     "high", ["sociaal_domein", "zorg"], dict(machtigen=True, gesprek=True)),
    ("schuldhulp", "Hulp bij geldzorgen en schulden", "schuldhulpverlening", "burger", False,
     "midden", "high", ["sociaal_domein", "werk_inkomen"], dict(machtigen=True, gesprek=True)),
    ("leerlingenvervoer", "Leerlingenvervoer aanvragen", "leerlingenvervoer", "burger", False,
     "midden", "medium", ["sociaal_domein", "onderwijs"],
     dict(machtigen=True, termijn="Vraag leerlingenvervoer voor het nieuwe schooljaar aan voor 1 mei.")),
    ("inburgering", "Inburgering: hulp en lening", "inburgering", "burger", False, "midden",
     "high", ["sociaal_domein"], dict(gesprek=True)),
    ("energietoeslag", "Energietoeslag aanvragen", "energietoeslag", "burger", False, "midden",
     "low", ["sociaal_domein", "werk_inkomen"], {}),
    ("kwijtschelding", "Kwijtschelding gemeentelijke belastingen", "belastingkwijtschelding",
     "burger", False, "midden", "medium", ["belastingen"], dict(machtigen=True)),
    ("woz_bezwaar", "Bezwaar maken tegen de WOZ-waarde", "woz-beschikking", "beide", False,
     "midden", "medium", ["belastingen"],
     dict(eherkenning="eh2+", formeel=True,
          termijn="U kunt bezwaar maken tot 6 weken na de datum op uw aanslag.")),
    ("hondenbelasting", "Hond aanmelden of afmelden", "hondenbelasting", "burger", False, "midden",
     "low", ["belastingen"], {}),
    ("omgevingsvergunning", "Omgevingsvergunning aanvragen", "omgevingsvergunning", "beide",
     False, "midden", "high", ["bouwen"],
     dict(eherkenning="eh3", online_via="het Omgevingsloket",
          uitleg="Doe eerst de vergunningcheck in het Omgevingsloket.")),
    ("evenementenvergunning", "Evenementenvergunning aanvragen", "evenementenvergunning", "beide",
     False, "midden", "high", ["evenementen"], dict(eherkenning="eh3",
          termijn="Vraag de vergunning minimaal 8 weken voor uw evenement aan.")),
    ("terrasvergunning", "Terrasvergunning aanvragen", "terrasvergunning", "bedrijf", False, "eh3",
     "medium", ["ondernemen", "horeca"], {}),
    ("alcoholvergunning", "Alcoholvergunning aanvragen", "alcoholvergunning", "bedrijf", False,
     "eh3", "high", ["ondernemen", "horeca"], {}),
    ("standplaatsvergunning", "Standplaatsvergunning aanvragen", "standplaatsvergunning", "beide",
     False, "midden", "medium", ["ondernemen"], dict(eherkenning="eh3")),
    ("ligplaatsvergunning", "Ligplaatsvergunning aanvragen", "ligplaatsvergunning", "beide",
     False, "midden", "medium", ["openbare_ruimte"], dict(eherkenning="eh2+")),
    ("subsidie_vereniging", "Subsidie voor een vereniging aanvragen", "subsidie", "bedrijf",
     False, "eh2+", "medium", ["subsidie"], {}),
    ("begraven", "Graf of urnenplek regelen", "begraafrecht", "burger", False, "none", "medium",
     ["begraven"], dict(gesprek=True)),
    ("klacht", "Klacht indienen over de gemeente", "klacht", "beide", False, "none", "medium",
     ["klachten"], dict(formeel=True,
                        uitleg="Wij nemen binnen 5 werkdagen contact met u op over uw klacht.")),
    ("bezwaar", "Bezwaar maken tegen een besluit", "bezwaarschrift", "beide", False, "none",
     "medium", ["klachten"], dict(formeel=True)),
    ("bouwtekening", "Bouwtekening opvragen", "bouwtekening", "beide", False, "none", "low",
     ["bouwen"], dict(post=False)),
]

TAG_NAME = {
    "burgerzaken": "burgerzaken", "reisdocument": "reisdocumenten", "rijbewijs": "rijbewijzen",
    "verhuizen": "verhuizen", "huwelijk": "trouwen", "parkeren": "parkeren", "zorg": "zorg",
    "afval": "afval", "openbare_ruimte": "de openbare ruimte", "ondernemen": "ondernemen",
    "bouwen": "bouwen", "sociaal_domein": "zorg, werk en inkomen", "werk_inkomen": "werk en inkomen",
    "onderwijs": "onderwijs", "belastingen": "belastingen", "evenementen": "evenementen",
    "horeca": "horeca", "subsidie": "subsidies", "begraven": "begraven", "klachten": "klachten",
}

PLACE_A = ["Noord", "Zuid", "Oost", "West", "Hoog", "Laag", "Nieuw", "Oud", "Groot", "Klein",
           "Sint", "Ter", "Berg", "Duin", "Zand", "Water"]
PLACE_B = ["veen", "dam", "haven", "dijk", "wijk", "broek", "horst", "burg", "sloot", "hoven",
           "meer", "zande", "rode", "kerk", "loo", "beek"]

DIGID = {"none": 0, "basis": 1, "midden": 2, "substantieel": 3, "hoog": 4}
EH = {"eh2": 1, "eh2+": 2, "eh3": 3, "eh4": 4}


def online_met_digid(s):
    return s.get("online") is not False and DIGID.get(s["auth"], 0) > 0


class Gemeente:
    def __init__(self, name):
        self.name = name
        self.slug = name.lower()
        self.services = []


def make_services(rng, nsvc):
    nmun = -(-nsvc // 30)
    names = rng.shuffled([a + b for a in PLACE_A for b in PLACE_B])
    if nmun > len(names):
        sys.exit("gen_rules: at most %d municipalities (%d services)" % (len(names), 30 * len(names)))
    muns = [Gemeente(n) for n in names[:nmun]]
    for k in range(nsvc):   # spread evenly: municipality k % nmun
        muns[k % nmun].services.append(None)
    for m in muns:
        picks = rng.shuffled(range(len(T)))[:len(m.services)]
        for i, t in enumerate(sorted(picks)):
            tid, name, upl, aud, pres, auth, cx, tags, extra = T[t]
            s = dict(id=tid + "_" + m.slug, name=name, upl=upl, audience=aud, presence=pres,
                     auth=auth, complexity=cx, tags=list(tags), gemeente=m.slug)
            s.update(extra)
            # municipalities differ a little: a stricter DigiD level, a form not yet online
            if s["auth"] == "midden" and rng.chance(0.15):
                s["auth"] = "substantieel"
            if not pres and s.get("online") is None and rng.chance(0.05):
                s["online"] = False
            m.services[i] = s
    return muns


def write_services(path, muns):
    with open(path, "w") as f:
        f.write("-- Diensten van %d gemeenten in een gedeelde regelset (gegenereerd door "
                "bench/gen_rules.py).\n-- gemeente = de gemeente van de dienst; de andere "
                "velden zoals in rules/services.lua.\n" % len(muns))
        for m in muns:
            f.write("\n-- Gemeente %s %s\n" % (m.name, "-" * (70 - len(m.name))))
            for s in m.services:
                fields = ", ".join("%s = %s" % (k, lua(v)) for k, v in s.items() if k != "id")
                f.write('\nservice %s {\n  %s,\n}\n' % (q(s["id"]), fields))


# ---- the general rules (one file, for everyone) ----------------------------------------

GENERAL = r'''-- Algemene regels: gelden voor de diensten van alle gemeenten (gegenereerd door
-- bench/gen_rules.py, naar het voorbeeld van rules/steering).

rule "algemeen: persoonlijk verschijnen" {
  priority = 100,
  service = { presence = true },
  when = function(r) return not hulp.is_status(r) end,
  advise = function(r, a)
    a:only({ "balie", "website", "telefoon", "terugbelverzoek" },
           "Voor deze aanvraag moet u er zelf bij zijn.")
    a:prefer("balie", 60, "Maak een afspraak aan de balie.")
  end,
}

rule "algemeen: vraag over lopende aanvraag" {
  priority = 90,
  when = function(r) return hulp.is_status(r) end,
  advise = function(r, a)
    a:prefer("mijn_omgeving", 60, "In de persoonlijke omgeving ziet u hoe het staat met uw aanvraag.")
    a:avoid("website", 20)
  end,
}

rule "algemeen: spoed" {
  priority = 85,
  when = function(r) return hulp.is_spoed(r) end,
  advise = function(r, a)
    hulp.bellen(r, a, 40, "Bij spoed belt u ons direct.")
    a:prefer("balie", 20, "Bij spoed kunt u een spoedafspraak maken.")
    a:avoid("email", 30, "E-mail is niet geschikt bij spoed.")
    a:avoid("post", 40, "Post is niet geschikt bij spoed.")
  end,
}

rule "algemeen: DigiD-niveau te laag" {
  priority = 80,
  service = function(s) return hulp.dienst_online_met_digid(s) end,
  when = function(r) return hulp.digid_te_laag(r) end,
  advise = function(r, a)
    a:avoid("website", 40, "Online regelen kan alleen met " .. hulp.digid_naam(r.service.auth) .. ".")
    a:prefer("balie", 30, "Aan de balie regelt u het zonder DigiD.")
    hulp.bellen(r, a, 15, "Bel ons, dan helpen wij u verder.")
  end,
}

rule "algemeen: online vastgelopen" {
  priority = 75,
  when = function(r) return hulp.aantal(r, "abandoned") >= 2 end,
  advise = function(r, a)
    a:avoid("website", 30)
    hulp.bellen(r, a, 40, "Lukt het online niet? Bel ons, dan helpen wij u verder.")
    a:prefer("terugbelverzoek", 30, "Wij bellen u terug en helpen u verder.")
  end,
}

rule "algemeen: direct online regelen" {
  priority = 70,
  service = function(s)
    return s.online ~= false and s.presence ~= true and hulp.digid(s.auth) ~= nil
  end,
  when = function(r)
    if r.citizen.authLevel == nil then return true end
    return not hulp.digid_te_laag(r) and not hulp.geen_digid(r)
  end,
  advise = function(r, a)
    a:prefer("website", 10, "U kunt dit direct online regelen.")
  end,
}

rule "algemeen: gebarentaal" {
  priority = 65,
  citizen = { language = "sgn" },
  advise = function(r, a)
    a:prefer("videobellen", 40, "Videobellen met een tolk gebarentaal.")
    a:avoid("telefoon", 40)
    a:avoid("terugbelverzoek", 40)
  end,
}

rule "algemeen: andere taal dan Nederlands" {
  priority = 65,
  when = function(r)
    local taal = r.citizen.language
    return taal ~= nil and taal ~= "nld" and taal ~= "sgn"
  end,
  advise = function(r, a)
    local taal = r.citizen.language
    local kanaal = r.channels
    for _, id in ipairs(hulp.kanalen(r)) do
      if hulp.bevat(kanaal[id].languages, taal) then
        a:prefer(id, 20, "Hier helpen wij u ook in " .. hulp.taal_naam(taal) .. ".")
      end
    end
  end,
}

rule "algemeen: weinig digitale vaardigheden" {
  priority = 60,
  citizen = { digitalSkills = "low" },
  advise = function(r, a)
    a:avoid("website", 30, "Liever niet online? Kies dan voor persoonlijke hulp.")
    hulp.bellen(r, a, 20, "Een medewerker helpt u stap voor stap.")
    a:prefer("balie", 10, "Aan de balie helpen wij u persoonlijk.")
    a:avoid("chat", 10)
  end,
}

rule "algemeen: slechtziend of blind" {
  priority = 60,
  citizen = { needs = "visual" },
  advise = function(r, a)
    a:avoid("chat", 30, "Chatten is lastiger als u slecht ziet.")
    hulp.bellen(r, a, 30, "Wij helpen u graag telefonisch.")
  end,
}

rule "algemeen: slechthorend of doof" {
  priority = 60,
  citizen = { needs = "hearing" },
  advise = function(r, a)
    a:avoid("telefoon", 40, "Bellen is lastig als u slecht hoort.")
    a:prefer("chat", 25, "In de chat schrijft u met een medewerker.")
    a:prefer("videobellen", 20, "Videobellen kan ook met een tolk gebarentaal.")
  end,
}

rule "algemeen: oudere inwoner" {
  priority = 55,
  when = function(r) return r.citizen.age ~= nil and r.citizen.age >= 75 end,
  advise = function(r, a)
    hulp.bellen(r, a, 10, "U kunt ons ook gewoon bellen.")
  end,
}

rule "algemeen: telefoon dicht" {
  priority = 40,
  when = function(r) return not r.channels.telefoon.open end,
  advise = function(r, a)
    a:prefer("terugbelverzoek", 30, "De telefoon is nu gesloten. Wij bellen u de volgende werkdag terug.")
  end,
}

rule "algemeen: feestdag" {
  priority = 40,
  when = function(r) return hulp.is_feestdag(r) end,
  advise = function(r, a)
    a:note("Vandaag is een feestdag. Het stadskantoor, de telefoon en de chat zijn gesloten.")
  end,
}

rule "algemeen: zorgtelefoon alleen voor zorg, werk en inkomen" {
  priority = 20,
  service = function(s) return not hulp.bevat(s.tags, "sociaal_domein") end,
  advise = function(r, a)
    a:exclude("telefoon_zorg", "Dit nummer is alleen voor vragen over zorg, werk en inkomen.")
  end,
}

rule "algemeen: post alleen waar het kan" {
  priority = 20,
  service = { post = false },
  advise = function(r, a)
    a:exclude("post", "Dit kunt u niet per post regelen.")
  end,
}

rule "algemeen: mijn omgeving alleen bij lopende aanvraag" {
  priority = 10,
  when = function(r) return not hulp.is_status(r) end,
  advise = function(r, a)
    a:exclude("mijn_omgeving", "De persoonlijke omgeving is voor het volgen van een lopende aanvraag.")
  end,
}
'''
NGENERAL = GENERAL.count('\nrule "')

# The general rules' service conditions (for the statistics), in the order of GENERAL.
GENERAL_SVC = [
    lambda s: s["presence"], None, None, online_met_digid, None,
    lambda s: s.get("online") is not False and not s["presence"] and s["auth"] in DIGID,
    None, None, None, None, None, None, None, None,
    lambda s: "sociaal_domein" not in s["tags"], lambda s: s.get("post") is False, None,
]
assert len(GENERAL_SVC) == NGENERAL

GENERAL_TESTS = r'''-- Testgevallen voor de algemene regels (gegenereerd door bench/gen_rules.py).

case "algemeen: weinig digitale vaardigheden" {
  request = { service = %(svc)s, citizen = { digitalSkills = "low" }, context = { time = tijd.di_10 } },
  expect = { reason = { telefoon = "stap voor stap" } },
}

case "algemeen: telefoon dicht op zondag" {
  request = { service = %(svc)s, context = { time = tijd.zo_14 } },
  expect = { open = { telefoon = false }, reason = { terugbelverzoek = "volgende werkdag" } },
}

case "algemeen: feestdag" {
  request = { service = %(svc)s, context = { time = tijd.kerst } },
  expect = { notes = "feestdag" },
}

case "algemeen: spoed" {
  request = { service = %(svc)s, context = { time = tijd.di_10, intent = "spoed" } },
  expect = { reason = { telefoon = "Bij spoed" } },
}

case "algemeen: twee keer afgehaakt" {
  request = { service = %(svc)s, context = { time = tijd.di_10 } },
  session = { id = "s1", service = %(svc)s, channel = "website",
              events = { { type = "abandoned", channel = "website", service = %(svc)s },
                         { type = "abandoned", channel = "website", service = %(svc)s } } },
  expect = { reason = { terugbelverzoek = "bellen u terug" } },
}

case "algemeen: lopende aanvraag" {
  request = { service = %(svc)s, context = { time = tijd.di_10, intent = "status" } },
  expect = { first = "mijn_omgeving" },
}

case "algemeen: nieuwe aanvraag zonder persoonlijke omgeving" {
  request = { service = %(svc)s, context = { time = tijd.di_10 } },
  expect = { excluded = { "mijn_omgeving" } },
}
'''


# ---- rules per municipality ------------------------------------------------------------
# A template returns (lua_conditions, advise_body, test) for a municipality m and a
# service s it is built around; test = (service, citizen, context, session, expect) that
# meets the conditions. Reasons are only checked on website, telefoon, balie and
# terugbelverzoek: no generated rule excludes those (duty of care: telefoon and balie stay).

FRIDAY_13 = "2026-12-04T13:00:00+01:00"   # balie closed since 12:30, telefoon open


def svc_is(s):
    return "service = { id = %s }" % q(s["id"])


def when_age_at_least(n):
    return "when = function(r) return r.citizen.age ~= nil and r.citizen.age >= %d end" % n


def per_municipality_templates(m, rng):
    """Rules over a group of the municipality's services: (build, pred) pairs."""
    G = m.name
    out = []

    def tag_rule(s):
        tag = rng.choice(s["tags"])
        return (
            lambda x, tag=tag: x["gemeente"] == m.slug and tag in x["tags"],
            "service = { gemeente = %s, tags = %s }" % (q(m.slug), q(tag)),
            'a:prefer("balie", 10, %s)' % q("%s: voor %s helpt de balie u persoonlijk." % (G, TAG_NAME[tag])),
            dict(expect={"reason": {"balie": "voor %s helpt de balie" % TAG_NAME[tag]}}))
    out.append(tag_rule)

    def tag_skills(s):
        tag = rng.choice(s["tags"])
        return (
            lambda x, tag=tag: x["gemeente"] == m.slug and tag in x["tags"],
            "service = { gemeente = %s, tags = %s },\n  citizen = { digitalSkills = { \"low\", \"medium\" } }"
            % (q(m.slug), q(tag)),
            'a:prefer("telefoon", 10, %s)' % q("%s: wij nemen uw aanvraag over %s samen door." % (G, TAG_NAME[tag])),
            dict(citizen={"digitalSkills": "medium"},
                 expect={"reason": {"telefoon": "aanvraag over %s samen" % TAG_NAME[tag]}}))
    out.append(tag_skills)

    def complex_high(s):
        return (
            lambda x: x["gemeente"] == m.slug and x["complexity"] == s["complexity"],
            "service = { gemeente = %s, complexity = %s }" % (q(m.slug), q(s["complexity"])),
            'a:prefer("telefoon", 5, %s)\n    a:note(%s)'
            % (q("%s: persoonlijk advies over uw aanvraag." % G),
               q("%s: vraag gerust om uitleg bij uw aanvraag (%s)." % (G, s["complexity"]))),
            dict(expect={"notes": "%s: vraag gerust om uitleg" % G}))
    out.append(complex_high)

    def weekend(s):
        return (
            lambda x: x["gemeente"] == m.slug,
            "service = { gemeente = %s },\n  context = { weekday = { \"sat\", \"sun\" } }" % q(m.slug),
            'a:prefer("website", 10, %s)' % q("%s: in het weekend regelt u het online." % G),
            dict(time="za_11", expect={"reason": {"website": "in het weekend regelt"}}))
    out.append(weekend)

    def kcc(s):
        tag = rng.choice(s["tags"])
        return (
            lambda x, tag=tag: x["gemeente"] == m.slug and tag in x["tags"],
            "service = { gemeente = %s, tags = %s },\n  context = { origin = \"kcc\" }" % (q(m.slug), q(tag)),
            'a:note(%s)' % q("%s: de medewerker kan uw vraag over %s direct doorzetten." % (G, TAG_NAME[tag])),
            dict(context={"origin": "kcc"}, expect={"notes": "over %s direct doorzetten" % TAG_NAME[tag]}))
    out.append(kcc)

    def no_digid(s):
        return (
            lambda x: x["gemeente"] == m.slug and online_met_digid(x),
            "service = function(s) return s.gemeente == %s and hulp.dienst_online_met_digid(s) end,\n"
            "  citizen = { authLevel = \"none\" }" % q(m.slug),
            'a:avoid("website", 35, %s)\n    a:prefer("balie", 30, %s)'
            % (q("Online regelen kan alleen met DigiD."),
               q("%s: aan de balie regelt u het zonder DigiD." % G)),
            dict(citizen={"authLevel": "none"}, expect={"reason": {"balie": "regelt u het zonder DigiD"}}),
            online_met_digid)
    out.append(no_digid)

    def elderly(s):
        tag = rng.choice(s["tags"])
        age = rng.choice([65, 70, 80])
        return (
            lambda x, tag=tag: x["gemeente"] == m.slug and tag in x["tags"],
            "service = { gemeente = %s, tags = %s },\n  %s" % (q(m.slug), q(tag), when_age_at_least(age)),
            'a:prefer("telefoon", 10, %s)' % q("%s: boven de %d helpen wij u graag telefonisch." % (G, age)),
            dict(citizen={"age": age + 1}, expect={"reason": {"telefoon": "boven de %d helpen" % age}}))
    out.append(elderly)

    def desk_closed(s):
        return (
            lambda x: x["gemeente"] == m.slug,
            "service = { gemeente = %s },\n  when = function(r) return not r.channels.balie.open "
            "and r.channels.telefoon.open end" % q(m.slug),
            'a:prefer("telefoon", 10, %s)' % q("%s: de balie is nu dicht; bel ons gerust." % G),
            dict(time=FRIDAY_13, expect={"reason": {"telefoon": "de balie is nu dicht"}}))
    out.append(desk_closed)

    def steps(s):
        tag = rng.choice(s["tags"])
        return (
            lambda x, tag=tag: x["gemeente"] == m.slug and tag in x["tags"],
            "service = { gemeente = %s, tags = %s },\n  when = function(r) return hulp.aantal(r, \"step\") > 0 end"
            % (q(m.slug), q(tag)),
            'a:prefer("telefoon", 5, %s)' % q("%s: heeft u een vraag over uw lopende aanvraag? Bel ons." % G),
            dict(session="step", expect={"reason": {"telefoon": "vraag over uw lopende aanvraag"}}))
    out.append(steps)

    def mobility(s):
        return (
            lambda x: x["gemeente"] == m.slug and x["presence"],
            "service = { gemeente = %s, presence = true },\n  citizen = { needs = \"mobility\" }" % q(m.slug),
            'a:prefer("telefoon", 20, %s)\n    a:note(%s)'
            % (q("Bel ons om een afspraak bij u thuis te maken."),
               q("%s: kunt u niet naar het gemeentehuis komen? Dan komen wij bij u thuis." % G)),
            dict(citizen={"needs": ["mobility"]}, expect={"notes": "%s: kunt u niet naar het gemeentehuis" % G}),
            lambda x: x["presence"])
    out.append(mobility)

    def spoed(s):
        tag = rng.choice(s["tags"])
        return (
            lambda x, tag=tag: x["gemeente"] == m.slug and tag in x["tags"],
            "service = { gemeente = %s, tags = %s },\n  context = { intent = \"spoed\" }" % (q(m.slug), q(tag)),
            'a:note(%s)' % q("%s: met spoed over %s? Meld het ons voor 12.00 uur." % (G, TAG_NAME[tag])),
            dict(context={"intent": "spoed"}, expect={"notes": "met spoed over %s" % TAG_NAME[tag]}))
    out.append(spoed)

    def formeel(s):
        return (
            lambda x: x["gemeente"] == m.slug and x.get("formeel") is True,
            "service = { gemeente = %s, formeel = true }" % q(m.slug),
            'a:exclude("email", "Een bezwaar of klacht kunt u niet per e-mail indienen.")\n'
            '    a:note(%s)' % q("%s: een bezwaar of klacht mag ook per brief." % G),
            dict(expect={"excluded": ["email"], "notes": "%s: een bezwaar of klacht" % G}),
            lambda x: x.get("formeel") is True)
    out.append(formeel)

    def business(s):
        return (
            lambda x: x["gemeente"] == m.slug and x["audience"] in ("bedrijf", "beide"),
            "service = { gemeente = %s, audience = { \"bedrijf\", \"beide\" } },\n"
            "  when = function(r) return hulp.eh(r.citizen.authLevel) ~= nil end" % q(m.slug),
            'a:prefer("website", 10, %s)' % q("%s: ondernemers regelen dit online met eHerkenning." % G),
            dict(citizen={"authLevel": "eh3"}, expect={"reason": {"website": "ondernemers regelen dit online"}}),
            lambda x: x["audience"] in ("bedrijf", "beide"))
    out.append(business)

    def evening(s):
        return (
            lambda x: x["gemeente"] == m.slug,
            "service = { gemeente = %s },\n  when = function(r) return r.context.minutes >= 17 * 60 end"
            % q(m.slug),
            'a:prefer("terugbelverzoek", 10, %s)' % q("%s: na 17.00 uur bellen wij u de volgende dag terug." % G),
            dict(time="ma_20", expect={"reason": {"terugbelverzoek": "na 17.00 uur bellen wij"}}))
    out.append(evening)

    def termijn(s):
        return (
            lambda x: x["gemeente"] == m.slug and ("termijn" in x or "uitleg" in x),
            "service = function(s) return s.gemeente == %s and (s.termijn ~= nil or s.uitleg ~= nil) end"
            % q(m.slug),
            'if r.service.termijn then a:note(r.service.termijn) end\n'
            '    if r.service.uitleg then a:note(r.service.uitleg) end',
            dict(expect_note_of_service=True),
            lambda x: "termijn" in x or "uitleg" in x)
    out.append(termijn)

    def english(s):
        tag = rng.choice(s["tags"])
        return (
            lambda x, tag=tag: x["gemeente"] == m.slug and tag in x["tags"],
            "service = { gemeente = %s, tags = %s },\n  citizen = { language = { \"eng\", \"deu\", \"pol\" } }"
            % (q(m.slug), q(tag)),
            'a:note(%s)' % q("%s: information about %s is also available in English." % (G, TAG_NAME[tag])),
            dict(citizen={"language": "eng"}, expect={"notes": "about %s is also available" % TAG_NAME[tag]}))
    out.append(english)
    return out


TOPIC = {
    "tag_rule": "balie per onderwerp", "tag_skills": "samen doornemen", "complex_high": "uitleg",
    "weekend": "weekend online", "kcc": "via het KCC", "no_digid": "geen DigiD",
    "elderly": "ouderen bellen", "desk_closed": "balie dicht", "steps": "lopende aanvraag",
    "mobility": "aan huis", "spoed": "spoed", "formeel": "bezwaar en klacht",
    "business": "ondernemers", "evening": "na 17 uur", "termijn": "termijn en uitleg",
    "english": "in het Engels",
}


def per_service_templates(m, s, rng):
    """Rules for one service: (conds, advise, test) triples."""
    G, n = m.name, s["name"]
    low = n[0].lower() + n[1:]
    pri = rng.choice([15, 25, 35, 45, 50])
    k = rng.below(9)
    if k == 0:
        return pri, svc_is(s), 'a:note(%s)' % q("%s: voor %s neemt u uw identiteitsbewijs mee." % (G, low)), \
            dict(expect={"notes": "%s: voor %s neemt" % (G, low)})
    if k == 1:
        return pri, svc_is(s) + ",\n  citizen = { digitalSkills = \"low\" }", \
            'a:prefer("balie", 15, %s)' % q("%s: %s regelen wij graag samen met u aan de balie." % (G, low)), \
            dict(citizen={"digitalSkills": "low"}, expect={"reason": {"balie": "%s regelen wij graag samen" % low}})
    if k == 2:
        return pri, svc_is(s) + ",\n  context = { weekday = { \"sat\", \"sun\" } }", \
            'a:prefer("website", 10, %s)' % q("%s: %s kan ook in het weekend online." % (G, low)), \
            dict(time="zo_14", expect={"reason": {"website": "%s kan ook in het weekend" % low}})
    if k == 3:
        return pri, svc_is(s) + ",\n  when = function(r) return r.citizen.age ~= nil and r.citizen.age < 18 end", \
            'a:note(%s)' % q("%s: jonger dan 18? Neem voor %s een ouder of voogd mee." % (G, low)), \
            dict(citizen={"age": 16}, expect={"notes": "Neem voor %s een ouder" % low})
    if k == 4:
        return pri, svc_is(s) + ",\n  when = function(r) return not r.channels.telefoon.open end", \
            'a:prefer("terugbelverzoek", 15, %s)' % q("%s: over %s bellen wij u graag terug." % (G, low)), \
            dict(time="ma_20", expect={"reason": {"terugbelverzoek": "over %s bellen wij" % low}})
    if k == 5:
        return pri, svc_is(s) + ",\n  context = { intent = \"status\" }", \
            'a:prefer("telefoon", 0, %s)' % q("%s: de stand van %s zoeken wij voor u op." % (G, low)), \
            dict(context={"intent": "status"}, expect={"reason": {"telefoon": "de stand van %s" % low}})
    if k == 6:
        return pri, svc_is(s) + ",\n  citizen = { needs = { \"visual\", \"literacy\" } }", \
            'a:prefer("telefoon", 10, %s)' % q("%s: wij lezen de formulieren voor %s met u door." % (G, low)), \
            dict(citizen={"needs": ["literacy"]}, expect={"reason": {"telefoon": "formulieren voor %s" % low}})
    if k == 7:
        return pri, svc_is(s) + ",\n  when = function(r) return hulp.aantal(r, \"abandoned\") >= 1 end", \
            'a:prefer("telefoon", 15, %s)' % q("%s: lukt %s online niet? Wij helpen u." % (G, low)), \
            dict(session="abandoned", expect={"reason": {"telefoon": "lukt %s online niet" % low}})
    return pri, svc_is(s) + ",\n  context = { origin = \"app\" }", \
        'a:note(%s)' % q("%s: in de app ziet u ook de stand van %s." % (G, low)), \
        dict(context={"origin": "app"}, expect={"notes": "de stand van %s" % low})




def case_lua(name, s, t):
    citizen = t.get("citizen")
    time = t.get("time", "di_10")
    ctx = ["time = " + (q(time) if time[0].isdigit() else "tijd." + time)]
    for k, v in t.get("context", {}).items():
        ctx.append("%s = %s" % (k, lua(v)))
    req = ["service = %s" % q(s["id"])]
    if citizen:
        req.append("citizen = %s" % lua(citizen))
    req.append("context = { %s }" % ", ".join(ctx))
    out = 'case %s {\n  request = { %s },\n' % (q(name), ", ".join(req))
    if t.get("session"):
        out += ('  session = { id = "s1", service = %s, channel = "website",\n'
                '              events = { { type = %s, channel = "website", service = %s } } },\n'
                % (q(s["id"]), q(t["session"]), q(s["id"])))
    expect = dict(t.get("expect", {}))
    if t.get("expect_note_of_service"):
        text = s.get("termijn") or s.get("uitleg")
        expect["notes"] = text[:40]
    out += "  expect = %s,\n}\n" % lua(expect)
    return out


def kind(conds):
    if "service = function" in conds:
        return "service_function"
    return "when" if "when =" in conds else "declarative"


def generate(nrules, nsvc, seed, src, out):
    rng = Rand(seed)
    muns = make_services(rng, nsvc)
    if nrules < NGENERAL + len(muns):
        sys.exit("gen_rules: --rules must be at least %d for %d municipalities" % (NGENERAL + len(muns), len(muns)))
    for d in ("steering", "tests"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    shutil.copyfile(os.path.join(src, "channels.lua"), os.path.join(out, "channels.lua"))
    shutil.copyfile(os.path.join(src, "steering", "00_hulpfuncties.lua"),
                    os.path.join(out, "steering", "00_hulpfuncties.lua"))
    shutil.copyfile(os.path.join(src, "tests", "00_tijden.lua"), os.path.join(out, "tests", "00_tijden.lua"))
    write_services(os.path.join(out, "services.lua"), muns)
    with open(os.path.join(out, "steering", "01_algemeen.lua"), "w") as f:
        f.write(GENERAL)
    # a plain service of the first municipality for the general tests
    plain = next(s for s in muns[0].services if not s["presence"] and "sociaal_domein" not in s["tags"])
    with open(os.path.join(out, "tests", "01_algemeen.lua"), "w") as f:
        f.write(GENERAL_TESTS % {"svc": q(plain["id"])})

    preds = [p for p in GENERAL_SVC]   # service conditions of every rule (None: all)
    kinds = {"declarative": 0, "when": 0, "service_function": 0}
    for block in GENERAL.split('\nrule "')[1:]:
        kinds[kind(block.split("advise =")[0])] += 1
    ncases = 7
    left = nrules - NGENERAL
    for i, m in enumerate(muns):
        budget = left // (len(muns) - i)
        left -= budget
        rules, cases = [], []
        templates = per_municipality_templates(m, rng)
        for tpl in rng.shuffled(templates)[:min(len(templates), budget // 2 + 1, budget)]:
            probe = rng.choice(m.services)
            r = tpl(probe)
            pred, conds, advise, test = r[0], r[1], r[2], r[3]
            need = r[4] if len(r) > 4 else None
            fits = [x for x in m.services if pred(x) and (need is None or need(x))]
            if not fits:   # no service of this municipality has what the rule is about
                continue
            if test.get("expect_note_of_service"):
                fits = [x for x in fits if "termijn" in x or "uitleg" in x]
            s = rng.choice(fits)
            if not pred(s):
                continue
            rules.append((rng.choice([30, 40, 50, 60]), conds, advise, s, test, TOPIC[tpl.__name__]))
            preds.append(pred)
        while len(rules) < budget:
            s = rng.choice(m.services)
            pri, conds, advise, test = per_service_templates(m, s, rng)
            rules.append((pri, conds, advise, s, test, s["id"]))
            preds.append(lambda x, sid=s["id"]: x["id"] == sid)
        with open(os.path.join(out, "steering", "%s.lua" % m.slug), "w") as f:
            f.write("-- Regels van gemeente %s (gegenereerd door bench/gen_rules.py).\n" % m.name)
            for j, (pri, conds, advise, s, test, topic) in enumerate(rules):
                name = "%s: %s (%d)" % (m.name, topic, j + 1)
                f.write('\nrule %s {\n  priority = %d,\n  %s,\n  advise = function(r, a)\n    %s\n  end,\n}\n'
                        % (q(name), pri, conds, advise))
                kinds[kind(conds)] += 1
                cases.append(case_lua("%s: regel %d" % (m.name, j + 1), s, test))
        with open(os.path.join(out, "tests", "%s.lua" % m.slug), "w") as f:
            f.write("-- Testgevallen van gemeente %s (gegenereerd door bench/gen_rules.py).\n\n" % m.name)
            f.write("\n".join(cases))
            f.write("\n-- Zorgplicht: bij elke dienst blijven telefoon en balie in het advies.\n"
                    "for _, id in ipairs({\n")
            for s in m.services:
                f.write("  %s,\n" % q(s["id"]))
            f.write("}) do\n"
                    "  case(%s .. id .. \" (anoniem)\") {\n"
                    "    request = { service = id, context = { time = tijd.di_10 } },\n"
                    "    expect = { included = { \"telefoon\", \"balie\" } },\n"
                    "  }\n"
                    "  case(%s .. id .. \" (weinig digitaal, zondag)\") {\n"
                    "    request = { service = id, citizen = { digitalSkills = \"low\", age = 80 },\n"
                    "                context = { time = tijd.zo_14 } },\n"
                    "    expect = { included = { \"telefoon\", \"balie\" } },\n"
                    "  }\n"
                    "end\n" % (q("zorgplicht %s: " % m.name), q("zorgplicht %s: " % m.name)))
        ncases += len(cases) + 2 * len(m.services)
    svcs = [s for m in muns for s in m.services]
    assert len(preds) == nrules, (len(preds), nrules)
    per_svc = sum(sum(1 for p in preds if p is None or p(s)) for s in svcs) / len(svcs)
    print("gen_rules: %d rules (%d with a when, %d with a service function, %d declarative only), "
          "%d services in %d municipalities, %d cases; rules whose service condition holds: "
          "%.1f per service on average (seed %d)"
          % (nrules, kinds["when"], kinds["service_function"], kinds["declarative"], len(svcs),
             len(muns), ncases, per_svc, seed))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rules", type=int, required=True)
    ap.add_argument("--services", type=int, required=True)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--from", dest="src", default=os.path.join(os.path.dirname(__file__), "..", "rules"),
                    help="the rule set to take channels.lua and the helpers from (default: rules/)")
    ap.add_argument("out")
    a = ap.parse_args()
    if a.services < 1 or a.rules < 1:
        sys.exit("gen_rules: --rules and --services must be positive")
    if os.path.exists(a.out) and os.listdir(a.out):
        sys.exit("gen_rules: %s exists and is not empty" % a.out)
    generate(a.rules, a.services, a.seed, a.src, a.out)


if __name__ == "__main__":
    main()
