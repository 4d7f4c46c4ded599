-- Inloggen met DigiD. Zonder (voldoende) DigiD is er altijd een andere weg: balie,
-- telefoon of hulp in de bibliotheek. Nooit een doodlopende weg (zorgplicht, Awb 2:1).

rule "DigiD-niveau te laag" {
  priority = 80,
  service = function(s) return hulp.dienst_online_met_digid(s) end,
  -- (de dienst kan online met DigiD: dat zegt `service` al)
  when = function(r)
    local heeft = hulp.digid(r.citizen.authLevel)
    return heeft ~= nil and heeft > 0 and heeft < hulp.digid(r.service.auth)
  end,
  advise = function(r, a)
    local nodig = hulp.digid_naam(r.service.auth)
    a:avoid("website", 40, "Online regelen kan alleen met " .. nodig .. ".")
    a:prefer("balie", 30, "Aan de balie regelt u het zonder DigiD. Maak wel eerst een afspraak.")
    hulp.bellen(r, a, 15, "Bel ons, dan helpen wij u verder.")
    a:prefer("ido", 10, "In de bibliotheek helpen ze u gratis met de DigiD app.")
    a:note("Met " .. nodig .. " kunt u dit later ook zelf online regelen.")
  end,
}

rule "geen DigiD" {
  priority = 80,
  service = function(s) return hulp.dienst_online_met_digid(s) end,
  citizen = { authLevel = "none" },
  advise = function(r, a)
    a:avoid("website", 35, "Online regelen kan alleen met DigiD.")
    a:prefer("balie", 30, "Aan de balie regelt u het zonder DigiD. Maak wel eerst een afspraak.")
    hulp.bellen(r, a, 15, "Bel ons, dan helpen wij u verder.")
    a:prefer("ido", 20, "In de bibliotheek helpen ze u gratis om DigiD aan te vragen.")
    a:note("Heeft u nog geen DigiD? Vraag het aan op www.digid.nl. U krijgt binnen 5 werkdagen een brief.")
  end,
}

rule "direct online regelen" {
  priority = 70,
  service = function(s)
    return s.online ~= false and s.presence ~= true and hulp.digid(s.auth) ~= nil
  end,
  when = function(r)
    local niveau = r.citizen.authLevel
    if niveau == nil then return true end   -- niveau onbekend: online aanbieden
    return not hulp.digid_te_laag(r) and not hulp.geen_digid(r)
       -- ondernemer met eHerkenning bij een eHerkenning-dienst: zie business.lua
       and not (hulp.eh(niveau) ~= nil and hulp.eh_nodig(r) ~= nil)
  end,
  advise = function(r, a)
    local s = r.service
    local tekst
    if s.auth == "none" then
      tekst = "U kunt dit direct online regelen, zonder in te loggen."
    elseif s.online_via then
      tekst = "U kunt dit online regelen via " .. s.online_via .. " met " .. hulp.digid_naam(s.auth) .. "."
    else
      tekst = "U kunt dit direct online regelen met " .. hulp.digid_naam(s.auth) .. "."
    end
    a:prefer("website", 10, tekst)
  end,
}

-- Waarom: bij een anonieme vraag weten we het niveau niet; noem het vooraf.
rule "ID-check nodig" {
  priority = 70,
  service = function(s) return hulp.dienst_online_met_digid(s) and hulp.digid(s.auth) >= 3 end,
  when = function(r) return r.citizen.authLevel == nil end,
  advise = function(r, a)
    a:note("Online heeft u de DigiD app met ID-check nodig. Lukt dat niet? Maak dan een afspraak aan de balie.")
  end,
}

rule "DigiD Machtigen" {
  priority = 40,
  service = { machtigen = true },
  advise = function(r, a)
    a:note("Regelt u dit voor iemand anders, bijvoorbeeld als familielid of mantelzorger? Dat kan met DigiD Machtigen.")
  end,
}
