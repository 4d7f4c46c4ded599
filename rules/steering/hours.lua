-- Openingstijden. De tijden staan in channels.lua; gesloten kanalen zakken vanzelf
-- naar onderen. Deze regels bieden dan een alternatief.

-- Waarom: 's avonds en in het weekend toch een mens: wij bellen u terug.
-- Alleen buiten de openingstijden en op feestdagen is "de volgende werkdag" waar. Bij een
-- storing of een geplande sluiting (closedBy "status" of "closure") bellen wij terug zodra
-- het weer kan: dat kan dezelfde dag zijn.
rule "telefoon dicht: terugbelverzoek" {
  priority = 40,
  when = function(r) return not r.channels.telefoon.open end,
  advise = function(r, a)
    local dicht = r.channels.telefoon.closedBy
    if dicht == "hours" or dicht == "holiday" then
      a:prefer("terugbelverzoek", 30,
               "De telefoon is nu gesloten. Laat uw nummer achter, dan bellen wij u de volgende werkdag terug.")
    else
      a:prefer("terugbelverzoek", 30,
               "De telefoon is nu niet bereikbaar. Laat uw nummer achter, dan bellen wij u terug zodra het weer kan.")
    end
  end,
}

rule "druk aan de telefoon" {
  priority = 40,
  when = function(r)
    local t = r.channels.telefoon
    return t.open and t.waitSeconds ~= nil and t.waitSeconds >= 600
  end,
  advise = function(r, a)
    a:avoid("telefoon", 15, "De wachttijd is nu langer dan 10 minuten.")
    a:prefer("terugbelverzoek", 25, "Het is druk aan de telefoon. Wij bellen u terug.")
  end,
}

rule "feestdag" {
  priority = 40,
  when = function(r) return hulp.is_feestdag(r) end,
  advise = function(r, a)
    a:note("Vandaag is een feestdag. Het stadskantoor, de telefoon en de chat zijn gesloten.")
  end,
}
