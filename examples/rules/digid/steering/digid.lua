-- Een tabel buiten de regels mag; na het laden is hij alleen-lezen.
local NIVEAU = { none = 0, basis = 1, midden = 2, substantieel = 3, hoog = 4 }

local NAAM = { midden = "DigiD met sms-controle of de DigiD app",
               substantieel = "de DigiD app met ID-check", hoog = "de DigiD app met ID-check" }

-- r.citizen.authLevel is nil als de inwoner (nog) niet is ingelogd: dan weten we het niet.
local function te_laag(r)
  local heeft, nodig = NIVEAU[r.citizen.authLevel], NIVEAU[r.service.auth]
  return heeft ~= nil and nodig ~= nil and heeft < nodig
end

rule "DigiD-niveau te laag: balie of telefoon" {
  priority = 50,
  when = te_laag,
  advise = function(r, a)
    a:avoid("website", 40, "Online kan alleen met " .. (NAAM[r.service.auth] or "DigiD") .. ".")
    a:prefer("balie", 30, "Aan de balie regelt u het zonder DigiD.")
    a:prefer("telefoon", 10, "Bel ons, dan helpen wij u verder.")
    a:note("Heeft u nog geen DigiD? Vraag het aan op www.digid.nl.")
  end,
}

rule "DigiD goed genoeg: online" {
  priority = 40,
  when = function(r) return r.citizen.authLevel ~= nil and not te_laag(r) end,
  advise = function(r, a)
    a:prefer("website", 10, "U kunt dit direct online regelen met DigiD.")
  end,
}
