-- Zorgplicht (Awb 2:1, Wmebv): voor elke dienst blijft er een kanaal met een mens over,
-- voor elk type inwoner en op elk moment. telefoon en balie worden nooit uitgesloten.
-- Het kanaal moet de inwoner ook bereiken: wie doof is, kan niet bellen (ook niet
-- terugbellen); voor hem telt de balie.

-- Nieuwe dienst in services.lua? Zet hem ook in deze lijst.
-- (De engine controleert de zorgplicht daarnaast zelf voor elke dienst.)
local diensten = {
  "paspoort", "identiteitskaart", "rijbewijs_verlengen", "rijbewijs_omwisselen",
  "verhuizing", "verhuizing_naar", "emigratie", "uittreksel_brp", "geboorteaangifte",
  "overlijdensaangifte", "huwelijk", "geregistreerd_partnerschap", "naturalisatie",
  "parkeervergunning", "gehandicaptenparkeerkaart", "afvalcontainer", "grofvuil",
  "melding_openbare_ruimte", "bedrijfsafval", "bijstand", "wmo", "schuldhulp",
  "leerlingenvervoer", "kwijtschelding", "woz_bezwaar", "hondenbelasting",
  "omgevingsvergunning", "evenementenvergunning", "terrasvergunning", "alcoholvergunning",
  "standplaatsvergunning", "klacht",
}

local profielen = {
  { naam = "anoniem, dinsdag 10:00", time = tijd.di_10 },
  { naam = "80 jaar, weinig digitaal, zondag", citizen = { age = 80, digitalSkills = "low" },
    time = tijd.zo_14 },
  { naam = "doof, gebarentaal, geen DigiD", citizen = { needs = { "hearing" }, language = "sgn",
                                                        authLevel = "none" }, time = tijd.di_10,
    mens = { "balie" }, open = { balie = true } },
  { naam = "ondernemer EH2, Kerst", citizen = { authLevel = "eh2" }, time = tijd.kerst },
}

for _, id in ipairs(diensten) do
  for _, p in ipairs(profielen) do
    case("zorgplicht: " .. id .. " (" .. p.naam .. ")") {
      request = { service = id, citizen = p.citizen, context = { time = p.time } },
      expect = { included = p.mens or { "telefoon", "balie" }, open = p.open },
    }
  end
end
