-- Spoed en gevaar.

rule "gevaarlijke situatie in de openbare ruimte" {
  priority = 95,
  service = { tags = "openbare_ruimte" },
  when = function(r) return r.context.gevaar == true or r.context.intent == "gevaar" end,
  advise = function(r, a)
    a:prefer("telefoon", 60, "Bij een gevaarlijke situatie belt u ons direct.")
    if r.channels.telefoon.open then
      a:avoid("website", 20, "Een online melding pakken wij minder snel op.")
    else
      -- Buiten kantoortijd: online melden, want terugbellen is bij gevaar te laat.
      a:avoid("terugbelverzoek", 40, "Bij gevaar is terugbellen te laat.")
      a:prefer("website", 10, "Buiten kantoortijd doet u de melding het snelst online.")
    end
    a:avoid("email", 20)
    a:note("Is er direct gevaar voor mensen? Bel 112.")
  end,
}

-- Waarom: online melden kan altijd en met een foto; zo komt het direct bij de juiste ploeg.
rule "melding openbare ruimte online" {
  priority = 60,
  service = { tags = "openbare_ruimte" },
  when = function(r) return not (r.context.gevaar == true or r.context.intent == "gevaar") end,
  advise = function(r, a)
    a:prefer("website", 20, "Doe uw melding online, dag en nacht. U kunt een foto toevoegen.")
    a:note("U hoort binnen 10 werkdagen wat wij met uw melding doen.")
  end,
}

rule "spoed" {
  priority = 85,
  when = function(r) return hulp.is_spoed(r) end,
  advise = function(r, a)
    hulp.bellen(r, a, 40, "Bij spoed belt u ons direct.")
    a:prefer("balie", 20, "Bij spoed kunt u een spoedafspraak maken.")
    a:avoid("email", 30, "E-mail is niet geschikt bij spoed.")
    a:avoid("post", 40, "Post is niet geschikt bij spoed.")
  end,
}

rule "spoedaanvraag reisdocument" {
  priority = 85,
  service = { tags = "reisdocument" },
  when = function(r) return hulp.is_spoed(r) end,
  advise = function(r, a)
    a:note("Met een spoedaanvraag ligt uw document meestal de volgende werkdag klaar. Dit kost extra.")
  end,
}

-- Waarom: de RDW verlengt online niet met spoed; aan de balie vóór 14.00 uur is het
-- de volgende werkdag klaar.
rule "spoed: niet online" {
  priority = 85,
  service = { spoed_online = false },
  when = function(r) return hulp.is_spoed(r) end,
  advise = function(r, a)
    a:avoid("website", 40, "Met spoed kan dit niet online.")
    a:prefer("balie", 20, "Vraag vóór 14.00 uur aan, dan is het de volgende werkdag klaar.")
  end,
}
