-- Taal. Elk kanaal noemt in channels.lua de talen waarin het helpt (languages).
-- Waarom: wie de taal niet spreekt, moet toch passende hulp krijgen (Awb 2:1).

rule "gebarentaal" {
  priority = 65,
  citizen = { language = "sgn" },
  advise = function(r, a)
    a:prefer("videobellen", 40, "Videobellen met een tolk gebarentaal.")
    a:avoid("telefoon", 40)
    a:avoid("telefoon_zorg", 40)
    a:avoid("terugbelverzoek", 40)
    a:note("Wij regelen gratis een tolk gebarentaal voor uw afspraak of videogesprek.")
  end,
}

rule "andere taal dan Nederlands" {
  priority = 65,
  when = function(r)
    local taal = r.citizen.language
    return taal ~= nil and taal ~= "nld" and taal ~= "sgn"
  end,
  advise = function(r, a)
    local taal = r.citizen.language
    local naam = hulp.taal_naam(taal)
    local kanalen = hulp.kanalen(r)
    local kanaal = r.channels
    local met_taal, aantal = {}, 0   -- kanaal-id -> true: helpt in deze taal
    for _, id in ipairs(kanalen) do
      if hulp.bevat(kanaal[id].languages, taal) then
        met_taal[id] = true
        aantal = aantal + 1
      end
    end
    if aantal > 0 then
      local hier = "Hier helpen wij u ook in " .. naam .. "."
      for _, id in ipairs(kanalen) do
        if met_taal[id] then
          a:prefer(id, 20, hier)
        else
          a:avoid(id, 10, "Alleen in het Nederlands.")
        end
      end
      a:note("Wij helpen u ook in " .. naam .. ".")
    else
      -- Geen kanaal in deze taal: een tolk via telefoon of balie.
      for _, id in ipairs(kanalen) do
        if kanaal[id].tolk == true then
          a:prefer(id, 25, "Wij kunnen een tolk voor u inschakelen.")
        end
      end
      a:note("Wij spreken Nederlands en Engels. Voor " .. naam
          .. " regelen wij een tolk via de telefoon of aan de balie.")
    end
  end,
}
