-- Hulpfuncties voor de regels in steering/*.lua. Dit bestand bevat geen regels.
-- Het wordt als eerste geladen (de naam begint met 00_); de regels in de andere
-- bestanden gebruiken de tabel `hulp`. Na het laden is alles alleen-lezen.

-- Snelheid: de helpers roepen elkaar aan als lokale functies (geen opzoeking van de
-- globale `hulp` per aanroep) en lopen lijsten af met een index in plaats van ipairs.
local type = type

local DIGID = { none = 0, basis = 1, midden = 2, substantieel = 3, hoog = 4 }
local EH = { eh2 = 1, ["eh2+"] = 2, eh3 = 3, eh4 = 4 }

local DIGID_NAAM = {
  basis = "DigiD",
  midden = "DigiD met sms-controle of de DigiD app",
  substantieel = "de DigiD app met ID-check",
  hoog = "de DigiD app met ID-check",
}
local EH_NAAM = { eh2 = "EH2", ["eh2+"] = "EH2+", eh3 = "EH3", eh4 = "EH4" }

local TAAL = { eng = "het Engels", tur = "het Turks", ara = "het Arabisch", pol = "het Pools",
               ukr = "het Oekraïens", deu = "het Duits", fra = "het Frans", fry = "het Fries",
               pap = "het Papiaments", spa = "het Spaans", sgn = "gebarentaal" }

hulp = {}

-- Staat `waarde` in de lijst? (lijsten uit verzoek of catalogus; nil = lege lijst)
-- Zoals ipairs: tot het eerste gat.
local function bevat(lijst, waarde)
  if type(lijst) ~= "table" then return false end
  local i, v = 1, lijst[1]
  while v ~= nil do
    if v == waarde then return true end
    i = i + 1
    v = lijst[i]
  end
  return false
end
hulp.bevat = bevat

local function heeft_tag(r, tag) return bevat(r.service.tags, tag) end
hulp.heeft_tag = heeft_tag
function hulp.heeft_behoefte(r, nood) return bevat(r.citizen.needs, nood) end

-- DigiD-niveau als getal 0..4; nil voor eHerkenning of onbekend.
function hulp.digid(level) return DIGID[level] end
-- eHerkenning-niveau als getal 1..4; nil voor DigiD of onbekend.
function hulp.eh(level) return EH[level] end

function hulp.digid_naam(level) return DIGID_NAAM[level] or "DigiD" end
function hulp.eh_naam(level) return EH_NAAM[level] or "eHerkenning" end
function hulp.taal_naam(code) return TAAL[code] or ("de taal '" .. code .. "'") end

-- Helpers met `dienst_` in de naam krijgen de catalogus-regel van een dienst (s), zoals
-- in `service = function(s) ... end` van een regel; de andere krijgen het verzoek (r).

-- Kan de dienst online met DigiD (niveau hoger dan "none")?
local function dienst_online_met_digid(s)
  local n = DIGID[s.auth]
  return s.online ~= false and n ~= nil and n > 0
end
hulp.dienst_online_met_digid = dienst_online_met_digid
local function online_met_digid(r) return dienst_online_met_digid(r.service) end
hulp.online_met_digid = online_met_digid

-- Het eHerkenning-niveau dat een ondernemer nodig heeft (nil: geen eHerkenning-dienst).
local function dienst_eh_nodig(s)
  local eh = s.eherkenning
  if EH[eh] then return eh end
  local auth = s.auth
  if EH[auth] then return auth end
  return nil
end
hulp.dienst_eh_nodig = dienst_eh_nodig
function hulp.eh_nodig(r) return dienst_eh_nodig(r.service) end

-- De inwoner noemde een DigiD-niveau dat lager is dan nodig (niet "none": dat is geen DigiD).
function hulp.digid_te_laag(r)
  if not online_met_digid(r) then return false end
  local heeft = DIGID[r.citizen.authLevel]
  return heeft ~= nil and heeft > 0 and heeft < DIGID[r.service.auth]
end

function hulp.geen_digid(r)
  return online_met_digid(r) and r.citizen.authLevel == "none"
end

-- Alle kanaal-ids, op alfabet (vaste volgorde in de trace).
function hulp.kanalen(r)
  local ids = {}
  for id in pairs(r.channels) do ids[#ids + 1] = id end
  table.sort(ids)
  return ids
end

-- Aantal gebeurtenissen van dit type voor deze dienst in de sessie.
-- Een gebeurtenis zonder dienst telt mee als de sessie over deze dienst gaat.
-- (count_events doet dat tellen in de engine: hetzelfde als r.session.events aflopen,
-- maar zonder Lua.)
local function aantal(r, soort) return count_events(r, soort) end
hulp.aantal = aantal

-- Gaat de vraag over een lopende aanvraag? Ja als de inwoner dat zegt (intent "status"),
-- of als de sessie al stappen of een afronding voor deze dienst bevat.
function hulp.is_status(r)
  if r.context.intent == "status" then return true end
  if not r.session then return false end
  return aantal(r, "step") > 0 or aantal(r, "completed") > 0
end

function hulp.is_spoed(r)
  local c = r.context
  return c.urgent == true or c.intent == "spoed"
end

-- Voorkeur voor bellen. Bij zorg, werk en inkomen geldt die ook voor de lijn van het
-- Sociaal Team, zodat die boven het algemene nummer blijft.
function hulp.bellen(r, a, punten, reden)
  a:prefer("telefoon", punten, reden)
  if heeft_tag(r, "sociaal_domein") then a:prefer("telefoon_zorg", punten, reden) end
end

-- De feestdagen uit channels.lua, als verzameling: één opzoeking in plaats van de lijst af.
local FEESTDAG = {}
for _, dag in ipairs(feestdagen) do FEESTDAG[dag] = true end
function hulp.is_feestdag(r) return FEESTDAG[r.context.date] == true end
