-- Zorg, werk en inkomen (sociaal domein): het Sociaal Team heeft een eigen telefoonlijn.

rule "zorgtelefoon alleen voor zorg, werk en inkomen" {
  priority = 20,
  service = function(s) return not hulp.bevat(s.tags, "sociaal_domein") end,
  advise = function(r, a)
    a:exclude("telefoon_zorg", "Dit nummer is alleen voor vragen over zorg, werk en inkomen.")
  end,
}

-- Waarom: bij Wmo en schulden begint het met een gesprek; bij bijstand kan online ook goed.
rule "sociaal team" {
  priority = 70,
  service = { tags = "sociaal_domein" },
  advise = function(r, a)
    local punten = r.service.gesprek and 35 or 20
    a:prefer("telefoon_zorg", punten, "Een consulent van het Sociaal Team denkt met u mee.")
  end,
}

-- Waarom: 's middags is het Sociaal Team niet telefonisch bereikbaar; het KCC neemt het over.
rule "sociaal team gesloten: KCC neemt over" {
  priority = 40,
  service = { tags = "sociaal_domein" },
  when = function(r) return not r.channels.telefoon_zorg.open and r.channels.telefoon.open end,
  advise = function(r, a)
    a:prefer("telefoon", 10, "Het Sociaal Team is nu niet bereikbaar. Het KCC helpt u of maakt een afspraak.")
  end,
}
