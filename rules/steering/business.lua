-- Ondernemers en eHerkenning.
-- Waarom: bedrijven loggen in met eHerkenning; voor vergunningen vaak niveau EH3
-- (= betrouwbaarheidsniveau Substantieel).

rule "ondernemer: eHerkenning-niveau te laag" {
  priority = 80,
  service = function(s) return hulp.dienst_eh_nodig(s) ~= nil end,
  when = function(r)
    local heeft = hulp.eh(r.citizen.authLevel)
    return heeft ~= nil and heeft < hulp.eh(hulp.eh_nodig(r))
  end,
  advise = function(r, a)
    local naam = hulp.eh_naam(hulp.eh_nodig(r))
    a:avoid("website", 40, "Online aanvragen kan alleen met eHerkenning niveau " .. naam .. " of hoger.")
    a:prefer("telefoon", 20, "Het ondernemersloket helpt u telefonisch verder.")
    a:prefer("balie", 10, "U kunt ook een afspraak maken met het ondernemersloket.")
    a:note("Uw eHerkenning-niveau is te laag. Vraag niveau " .. naam .. " aan bij uw eHerkenning-leverancier.")
  end,
}

rule "ondernemer: online met eHerkenning" {
  priority = 70,
  service = function(s) return hulp.dienst_eh_nodig(s) ~= nil end,
  when = function(r)
    local heeft = hulp.eh(r.citizen.authLevel)
    return heeft ~= nil and heeft >= hulp.eh(hulp.eh_nodig(r))
  end,
  advise = function(r, a)
    a:prefer("website", 20, "U kunt dit direct online regelen met eHerkenning.")
  end,
}

rule "ondernemer: inloggen met eHerkenning" {
  priority = 70,
  service = { audience = "bedrijf" },
  when = function(r) return hulp.eh(r.citizen.authLevel) == nil end,
  advise = function(r, a)
    a:prefer("website", 0, "Online aanvragen doet u namens uw bedrijf met eHerkenning.")
    a:note("U logt in met eHerkenning niveau " .. hulp.eh_naam(hulp.eh_nodig(r))
        .. " of hoger, niet met DigiD.")
  end,
}

-- Waarom: het Informatiepunt in de bibliotheek is er voor inwoners, niet voor bedrijven.
rule "ondernemer: geen bibliotheek" {
  priority = 70,
  when = function(r)
    return r.service.audience == "bedrijf" or hulp.eh(r.citizen.authLevel) ~= nil
  end,
  advise = function(r, a)
    a:exclude("ido", "Het Informatiepunt in de bibliotheek helpt inwoners, geen bedrijven.")
  end,
}
