-- Hulp als het online niet lukt, en bij ingewikkelde aanvragen.

-- Waarom: wie twee keer afhaakt in het online formulier, heeft hulp nodig, geen derde poging.
rule "online vastgelopen: hulp aanbieden" {
  priority = 75,
  when = function(r) return hulp.aantal(r, "abandoned") >= 2 end,
  advise = function(r, a)
    a:avoid("website", 30)
    hulp.bellen(r, a, 40, "Lukt het online niet? Bel ons, dan helpen wij u verder.")
    a:prefer("terugbelverzoek", 30, "Wij bellen u terug en helpen u verder.")
    a:prefer("ido", 25, "In de bibliotheek kijkt iemand met u mee.")
    a:prefer("chat", 10, "In de chat helpen wij u verder.")
    a:note("Het lukte online nog niet. Wij helpen u graag verder.")
  end,
}

rule "ingewikkelde aanvraag: persoonlijk advies" {
  priority = 30,
  service = { complexity = "high" },
  advise = function(r, a)
    a:prefer("telefoon", 10, "Bij deze aanvraag is persoonlijk advies handig.")
    a:prefer("balie", 10)
  end,
}

-- Waarom: dit kan niet online; de website geeft alleen uitleg.
rule "niet online te regelen" {
  priority = 60,
  service = { online = false, presence = false },
  advise = function(r, a)
    a:avoid("website", 30, "Dit kunt u niet online regelen. Op de website leest u wat u moet doen.")
    a:prefer("telefoon", 10, "Bel ons, dan vertellen wij wat u moet doen.")
    a:prefer("balie", 15, "Aan de balie regelen wij het met u. Maak eerst een afspraak.")
  end,
}

rule "uitleg bij de dienst" {
  priority = 20,
  service = function(s) return s.termijn ~= nil or s.uitleg ~= nil end,
  advise = function(r, a)
    if r.service.termijn then a:note(r.service.termijn) end
    if r.service.uitleg then a:note(r.service.uitleg) end
  end,
}
