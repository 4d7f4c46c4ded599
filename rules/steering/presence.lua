-- Persoonlijk verschijnen (paspoort, identiteitskaart, rijbewijs, naturalisatie).
-- Waarom: de wet eist dat u zich persoonlijk meldt (vingerafdrukken, foto, handtekening).
-- De website en de telefoon blijven over om een afspraak te maken.

rule "persoonlijk verschijnen" {
  priority = 100,
  -- Een vraag over een lopende aanvraag (is mijn paspoort klaar?) valt hier niet onder.
  service = { presence = true },
  when = function(r) return not hulp.is_status(r) end,
  advise = function(r, a)
    a:only({ "balie", "website", "telefoon", "terugbelverzoek" },
           "Voor deze aanvraag moet u er zelf bij zijn.")
    a:prefer("balie", 60, "Maak een afspraak aan de balie in het stadskantoor.")
    a:prefer("website", 0, "Op de website maakt u direct een afspraak.")
    a:prefer("telefoon", 0, "Lukt online een afspraak maken niet? Bel ons, dan plannen wij hem voor u.")
  end,
}

rule "document ophalen aan de balie" {
  priority = 50,
  service = { ophalen_balie = true },
  advise = function(r, a)
    a:note("U haalt uw document later persoonlijk op aan de balie. Neem een geldig identiteitsbewijs mee.")
  end,
}

-- Waarom: voor een paspoort van een minderjarige is toestemming van beide gezaghouders nodig
-- (Paspoortwet art. 34). Voor een identiteitskaart niet.
rule "toestemming ouders bij paspoort minderjarige" {
  priority = 50,
  service = { toestemming_minderjarig = true },
  when = function(r) return r.citizen.age ~= nil and r.citizen.age < 18 end,
  advise = function(r, a)
    a:note("Jonger dan 18? Dan is toestemming nodig van beide ouders of gezaghouders. "
        .. "Zij geven die vóór de afspraak online met DigiD of op een formulier.")
  end,
}

rule "kind komt zelf mee naar de afspraak" {
  priority = 50,
  service = { presence = true, tags = "reisdocument" },
  when = function(r) return r.citizen.age ~= nil and r.citizen.age < 18 end,
  advise = function(r, a)
    a:note("Het kind komt zelf mee naar de afspraak, ook bij het ophalen.")
  end,
}

-- Waarom: wie door ziekte of beperking niet kan komen, krijgt een afspraak aan huis.
rule "aan huis bij beperking" {
  priority = 50,
  service = { presence = true },
  citizen = { needs = "mobility" },
  advise = function(r, a)
    a:prefer("telefoon", 20, "Bel ons om een afspraak bij u thuis te maken.")
    a:note("Kunt u door ziekte of een beperking niet naar het stadskantoor komen? Dan komen wij bij u thuis.")
  end,
}
