-- Digitale vaardigheden, leeftijd en toegankelijkheid.
-- Waarom: "digitaal waar het kan, persoonlijk waar het moet". Wie online niet goed
-- uit de voeten kan, krijgt eerst een kanaal met een mens (Awb 2:1, Wmebv).

rule "weinig digitale vaardigheden" {
  priority = 60,
  citizen = { digitalSkills = "low" },
  advise = function(r, a)
    a:avoid("website", 30, "Liever niet online? Kies dan voor persoonlijke hulp.")
    if hulp.heeft_tag(r, "burgerzaken") then
      -- Waarom: burgerzaken (verhuizing, uittreksel, aangifte) regelt u persoonlijk aan de
      -- balie; aan de telefoon maken wij daarvoor een afspraak.
      a:prefer("balie", 35, "Aan de balie regelen wij het samen met u.")
      hulp.bellen(r, a, 10, "Bel ons, dan maken wij een afspraak voor u.")
    else
      hulp.bellen(r, a, 20, "Een medewerker helpt u stap voor stap.")
      a:prefer("balie", 10, "Aan de balie helpen wij u persoonlijk.")
    end
    a:prefer("ido", 25, "In de bibliotheek helpen ze u gratis met online zaken van de overheid.")
    a:avoid("chat", 10)
    a:avoid("email", 10)
  end,
}

rule "goede digitale vaardigheden" {
  priority = 60,
  service = function(s) return s.online ~= false and s.presence ~= true end,
  citizen = { digitalSkills = "high" },
  advise = function(r, a)
    a:prefer("website", 15)
    a:avoid("ido", 10)
  end,
}

-- Waarom: ouderen bellen vaker; dat is prima. Geen uitsluiting van online.
rule "oudere inwoner" {
  priority = 55,
  when = function(r) return r.citizen.age ~= nil and r.citizen.age >= 75 end,
  advise = function(r, a)
    hulp.bellen(r, a, 10, "U kunt ons ook gewoon bellen.")
  end,
}

rule "slechtziend of blind" {
  priority = 60,
  citizen = { needs = "visual" },
  advise = function(r, a)
    a:avoid("chat", 30, "Chatten is lastiger als u slecht ziet.")
    a:avoid("videobellen", 10)
    a:avoid("post", 10)
    hulp.bellen(r, a, 30, "Wij helpen u graag telefonisch.")
    a:prefer("balie", 10, "Aan de balie helpen wij u persoonlijk.")
  end,
}

rule "slechthorend of doof" {
  priority = 60,
  citizen = { needs = "hearing" },
  advise = function(r, a)
    a:avoid("telefoon", 40, "Bellen is lastig als u slecht hoort.")
    a:avoid("telefoon_zorg", 40, "Bellen is lastig als u slecht hoort.")
    a:avoid("terugbelverzoek", 40, "Bellen is lastig als u slecht hoort.")
    a:prefer("chat", 25, "In de chat schrijft u met een medewerker.")
    a:prefer("videobellen", 20, "Videobellen kan ook met een tolk gebarentaal.")
    a:prefer("email", 10, "U kunt ons ook mailen.")
  end,
}

rule "slecht ter been" {
  priority = 60,
  citizen = { needs = "mobility" },
  advise = function(r, a)
    a:avoid("balie", 10, "Naar het stadskantoor komen is misschien lastig.")
    a:prefer("videobellen", 15, "Met videobellen helpen wij u vanuit huis.")
    hulp.bellen(r, a, 10)
  end,
}

rule "lezen en schrijven lastig" {
  priority = 60,
  citizen = { needs = { "literacy", "cognitive" } },   -- een van beide
  advise = function(r, a)
    hulp.bellen(r, a, 30, "Wij leggen alles rustig uit.")
    a:prefer("balie", 15, "Aan de balie helpen wij u met de formulieren.")
    a:prefer("ido", 10, "In de bibliotheek helpt het Taalhuis u met lezen en schrijven.")
    a:avoid("email", 20, "E-mail vraagt veel lezen en schrijven.")
    a:avoid("post", 20, "Een brief vraagt veel lezen en schrijven.")
    a:avoid("chat", 10)
    a:note("U mag iemand meenemen die met u meeleest of meedenkt.")
  end,
}
