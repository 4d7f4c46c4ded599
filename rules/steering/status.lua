-- Vragen over een lopende aanvraag ("hoe staat het ermee?").
-- Waarom: de status staat in Mijn Voorbeeldstad; daar ziet u hem direct, ook 's avonds.

rule "vraag over lopende aanvraag" {
  priority = 90,
  when = function(r) return hulp.is_status(r) end,
  advise = function(r, a)
    a:prefer("mijn_omgeving", 60, "In Mijn Voorbeeldstad ziet u hoe het staat met uw aanvraag.")
    a:avoid("website", 20)
  end,
}

-- Waarom: zonder DigiD kunt u niet inloggen; een medewerker zoekt het dan op.
rule "status zonder DigiD" {
  priority = 85,
  citizen = { authLevel = "none" },
  when = function(r) return hulp.is_status(r) end,
  advise = function(r, a)
    a:avoid("mijn_omgeving", 40, "Voor Mijn Voorbeeldstad heeft u DigiD nodig.")
    a:prefer("telefoon", 30, "Bel ons, dan zoeken wij de stand van uw aanvraag voor u op.")
  end,
}

rule "aanvraag afgerond" {
  priority = 85,
  when = function(r) return hulp.aantal(r, "completed") > 0 end,
  advise = function(r, a)
    a:note("Uw aanvraag is afgerond. De brief of het besluit vindt u in Mijn Voorbeeldstad.")
  end,
}

-- Waarom: voor een nieuwe vraag heeft Mijn Voorbeeldstad nog niets te tonen.
rule "mijn omgeving alleen bij lopende aanvraag" {
  priority = 10,
  when = function(r) return not hulp.is_status(r) end,
  advise = function(r, a)
    a:exclude("mijn_omgeving", "Mijn Voorbeeldstad is voor het volgen van een lopende aanvraag.")
  end,
}
