-- Producten en diensten van Gemeente Voorbeeldstad.
--
-- upl  = de exacte naam uit de Uniforme Productnamenlijst (UPL-actueel.csv, kolom Gemeente = X).
-- auth = het DigiD-niveau dat nodig is om het online te regelen ("none": zonder inloggen).
--        Voor diensten die niet online kunnen (online = false) staat hier "none".
-- Extra velden die de regels gebruiken:
--   online          false: niet online te regelen (alleen informatie op de website)
--   online_via      naam van een andere organisatie waar het online kan (bijv. "RDW")
--   eherkenning     eHerkenning-niveau voor ondernemers bij diensten voor burgers én bedrijven;
--                   bij diensten alleen voor bedrijven staat het eHerkenning-niveau in auth
--   ophalen_balie   true: het document haalt u persoonlijk op aan de balie
--   toestemming_minderjarig  true: onder 18 toestemming van ouders/gezaghouders nodig
--   machtigen       true: DigiD Machtigen kan (UPL-kolom DigiDMacht = X)
--   gesprek         true: een persoonlijk gesprek is de normale start (sociaal domein)
--   formeel         true: bezwaar of klacht; papier blijft mogelijk, e-mail niet (Wmebv)
--   post            false: per post regelen kan niet
--   spoed_online    false: met spoed niet online
--   termijn, uitleg tekst (B1) die altijd als opmerking in het advies komt
--   vraag           de kop boven het advies op de website, als vraag in gewone taal
--                   ("Hoe vraagt u een paspoort aan?"); zonder vraag toont de widget
--                   "Zo regelt u: <name>"

-- Burgerzaken: reisdocumenten en rijbewijzen ------------------------------------------

service "paspoort" {
  vraag = "Hoe vraagt u een paspoort aan?",
  name = "Paspoort aanvragen", upl = "paspoort", audience = "burger",
  presence = true, auth = "none", complexity = "low", online = false, post = false,
  tags = { "burgerzaken", "reisdocument" },
  ophalen_balie = true, toestemming_minderjarig = true,
}

service "identiteitskaart" {
  vraag = "Hoe vraagt u een identiteitskaart aan?",
  name = "Identiteitskaart aanvragen", upl = "identiteitskaart", audience = "burger",
  presence = true, auth = "none", complexity = "low", online = false, post = false,
  tags = { "burgerzaken", "reisdocument" },
  ophalen_balie = true,
}

-- Waarom online via de RDW: verlengen kan daar met DigiD Substantieel (app met ID-check),
-- niet bij spoed. Ophalen doet u altijd aan de balie.
service "rijbewijs_verlengen" {
  vraag = "Hoe verlengt u uw rijbewijs?",
  name = "Rijbewijs verlengen", upl = "rijbewijs", audience = "burger",
  presence = false, auth = "substantieel", complexity = "low", post = false,
  tags = { "burgerzaken", "rijbewijs" },
  online_via = "de RDW", ophalen_balie = true, spoed_online = false,
}

service "rijbewijs_omwisselen" {
  vraag = "Hoe wisselt u een buitenlands rijbewijs om?",
  name = "Buitenlands rijbewijs omwisselen", upl = "rijbewijs buitenlands omwisseling",
  audience = "burger", presence = true, auth = "none", complexity = "medium",
  online = false, post = false,
  tags = { "burgerzaken", "rijbewijs" }, ophalen_balie = true,
}

-- Burgerzaken: verhuizen en de BRP -----------------------------------------------------

service "verhuizing" {
  vraag = "Hoe geeft u uw verhuizing door?",
  name = "Verhuizing doorgeven", upl = "verhuismelding",
  audience = "burger", presence = false, auth = "midden", complexity = "low",
  tags = { "burgerzaken", "verhuizen" },
  termijn = "Geef uw verhuizing door tussen 4 weken voor en uiterlijk 5 dagen na de verhuisdatum.",
}

service "verhuizing_naar" {
  vraag = "Hoe geeft u door dat u in Voorbeeldstad komt wonen?",
  name = "Verhuizing naar Voorbeeldstad doorgeven", upl = "verhuismelding",
  audience = "burger", presence = false, auth = "midden", complexity = "low",
  tags = { "burgerzaken", "verhuizen" },
  termijn = "Geef uw verhuizing door tussen 4 weken voor en uiterlijk 5 dagen na de verhuisdatum. "
         .. "U doet dit bij uw nieuwe gemeente: Voorbeeldstad.",
}

-- Waarom verhuismelding: de UPL kent geen aparte naam voor vertrek naar het buitenland.
service "emigratie" {
  vraag = "Hoe geeft u door dat u naar het buitenland vertrekt?",
  name = "Vertrek naar het buitenland (emigratie) doorgeven", upl = "verhuismelding",
  audience = "burger", presence = false, auth = "midden", complexity = "medium",
  tags = { "burgerzaken", "verhuizen" },
  termijn = "Geef uw vertrek uiterlijk 5 dagen voor uw vertrek door. Eerder mag: vanaf 4 weken ervoor.",
}

service "uittreksel_brp" {
  vraag = "Hoe vraagt u een uittreksel uit de BRP aan?",
  name = "Uittreksel BRP aanvragen", upl = "brp-uittreksel", audience = "burger",
  presence = false, auth = "midden", complexity = "low",
  tags = { "burgerzaken" },
}

service "geboorteaangifte" {
  vraag = "Hoe doet u aangifte van een geboorte?",
  name = "Geboorte aangeven", upl = "geboorteaangifte", audience = "burger",
  presence = false, auth = "midden", complexity = "medium",
  tags = { "burgerzaken" },
  termijn = "Doe aangifte binnen 3 werkdagen na de geboorte.",
}

-- Waarom niet online: in de praktijk doet de uitvaartondernemer de aangifte.
service "overlijdensaangifte" {
  vraag = "Hoe doet u aangifte van een overlijden?",
  name = "Overlijden aangeven", upl = "overlijdensaangifte", audience = "burger",
  presence = false, auth = "none", complexity = "medium", online = false,
  tags = { "burgerzaken" },
  uitleg = "Meestal doet de uitvaartondernemer de aangifte van overlijden voor u.",
}

service "huwelijk" {
  vraag = "Hoe meldt u een voorgenomen huwelijk?",
  name = "Voorgenomen huwelijk melden", upl = "huwelijksaangifte", audience = "burger",
  presence = false, auth = "midden", complexity = "medium",
  tags = { "burgerzaken", "huwelijk" },
  termijn = "Meld uw huwelijk minimaal 2 weken en maximaal 1 jaar voor de trouwdatum.",
}

service "geregistreerd_partnerschap" {
  vraag = "Hoe meldt u een voorgenomen geregistreerd partnerschap?",
  name = "Voorgenomen geregistreerd partnerschap melden",
  upl = "geregistreerd partnerschapaangifte", audience = "burger",
  presence = false, auth = "midden", complexity = "medium",
  tags = { "burgerzaken", "huwelijk" },
  termijn = "Meld uw partnerschap minimaal 2 weken en maximaal 1 jaar voor de datum.",
}

service "naturalisatie" {
  vraag = "Hoe wordt u Nederlander?",
  name = "Nederlander worden (naturalisatie)", upl = "naturalisatieverzoek", audience = "burger",
  presence = true, auth = "none", complexity = "high", online = false, post = false,
  tags = { "burgerzaken" },
  uitleg = "U vraagt naturalisatie persoonlijk aan bij de balie. Neem uw inburgeringsdiploma mee.",
}

-- Parkeren -----------------------------------------------------------------------------

service "parkeervergunning" {
  vraag = "Hoe vraagt u een parkeervergunning aan?",
  name = "Parkeervergunning aanvragen", upl = "parkeervergunning", audience = "beide",
  presence = false, auth = "midden", complexity = "low", eherkenning = "eh2+",
  tags = { "parkeren" },
}

service "gehandicaptenparkeerkaart" {
  vraag = "Hoe vraagt u een gehandicaptenparkeerkaart aan?",
  name = "Gehandicaptenparkeerkaart aanvragen", upl = "gehandicaptenparkeerkaart",
  audience = "burger", presence = false, auth = "midden", complexity = "medium",
  tags = { "parkeren", "zorg" }, machtigen = true,
  uitleg = "Na uw aanvraag volgt een medische keuring door een onafhankelijke arts.",
}

-- Afval en openbare ruimte -------------------------------------------------------------

service "afvalcontainer" {
  vraag = "Hoe vraagt u een afvalcontainer aan, of laat u die omruilen of repareren?",
  name = "Afvalcontainer aanvragen, omruilen of repareren", upl = "afvalcontainer",
  audience = "burger", presence = false, auth = "none", complexity = "low", post = false,
  tags = { "afval" },
}

service "grofvuil" {
  vraag = "Hoe laat u grofvuil ophalen?",
  name = "Grofvuil laten ophalen", upl = "afvalinzameling grofvuil", audience = "burger",
  presence = false, auth = "none", complexity = "low", post = false,
  tags = { "afval" },
}

service "melding_openbare_ruimte" {
  vraag = "Hoe doet u een melding over de openbare ruimte?",
  name = "Melding openbare ruimte doen", upl = "melding openbare ruimte (algemeen)",
  audience = "beide", presence = false, auth = "none", complexity = "low", post = false,
  tags = { "openbare_ruimte" },
}

service "bedrijfsafval" {
  vraag = "Hoe laat u bedrijfsafval ophalen?",
  name = "Bedrijfsafval laten ophalen", upl = "bedrijfsafvalinzameling", audience = "bedrijf",
  presence = false, auth = "eh2+", complexity = "low",
  tags = { "afval", "ondernemen" },
}

-- Zorg, werk en inkomen (sociaal domein) -----------------------------------------------

service "bijstand" {
  vraag = "Hoe vraagt u een bijstandsuitkering aan?",
  name = "Bijstandsuitkering aanvragen", upl = "bijstand", audience = "burger",
  presence = false, auth = "midden", complexity = "high",
  tags = { "sociaal_domein", "werk_inkomen" }, machtigen = true,
}

service "wmo" {
  vraag = "Hoe vraagt u hulp of ondersteuning aan (Wmo)?",
  name = "Hulp of ondersteuning aanvragen (Wmo)", upl = "wmo-voorziening", audience = "burger",
  presence = false, auth = "midden", complexity = "high",
  tags = { "sociaal_domein", "zorg" }, machtigen = true, gesprek = true,
  uitleg = "U kunt gratis een onafhankelijke cliëntondersteuner vragen om u te helpen.",
}

service "schuldhulp" {
  vraag = "Hoe krijgt u hulp bij geldzorgen en schulden?",
  name = "Hulp bij geldzorgen en schulden", upl = "schuldhulpverlening", audience = "burger",
  presence = false, auth = "midden", complexity = "high",
  tags = { "sociaal_domein", "werk_inkomen" }, machtigen = true, gesprek = true,
}

service "leerlingenvervoer" {
  vraag = "Hoe vraagt u leerlingenvervoer aan?",
  name = "Leerlingenvervoer aanvragen", upl = "leerlingenvervoer", audience = "burger",
  presence = false, auth = "midden", complexity = "medium",
  tags = { "sociaal_domein", "onderwijs" }, machtigen = true,
  termijn = "Vraag leerlingenvervoer voor het nieuwe schooljaar aan vóór 1 mei.",
}

-- Belastingen --------------------------------------------------------------------------

service "kwijtschelding" {
  vraag = "Hoe vraagt u kwijtschelding van gemeentelijke belastingen aan?",
  name = "Kwijtschelding gemeentelijke belastingen aanvragen", upl = "belastingkwijtschelding",
  audience = "burger", presence = false, auth = "midden", complexity = "medium",
  tags = { "belastingen" }, machtigen = true,
}

-- Waarom woz-beschikking: het bezwaar richt zich tegen de WOZ-beschikking.
service "woz_bezwaar" {
  vraag = "Hoe maakt u bezwaar tegen de WOZ-waarde?",
  name = "Bezwaar maken tegen de WOZ-waarde", upl = "woz-beschikking", audience = "beide",
  presence = false, auth = "midden", eherkenning = "eh2+", complexity = "medium",
  tags = { "belastingen" }, formeel = true,
  termijn = "U kunt bezwaar maken tot 6 weken na de datum op uw aanslag.",
}

service "hondenbelasting" {
  vraag = "Hoe meldt u een hond aan of af?",
  name = "Hond aanmelden of afmelden (hondenbelasting)", upl = "hondenbelasting",
  audience = "burger", presence = false, auth = "midden", complexity = "low",
  tags = { "belastingen" },
}

-- Bouwen, evenementen en ondernemen ----------------------------------------------------

-- Waarom aparte uitleg: aanvragen gaat via het landelijke Omgevingsloket.
service "omgevingsvergunning" {
  vraag = "Hoe vraagt u een omgevingsvergunning aan?",
  name = "Omgevingsvergunning aanvragen", upl = "omgevingsvergunning", audience = "beide",
  presence = false, auth = "midden", eherkenning = "eh3", complexity = "high",
  tags = { "bouwen" }, online_via = "het Omgevingsloket",
  uitleg = "Twijfelt u of u een vergunning nodig heeft? Doe eerst de vergunningcheck in het Omgevingsloket.",
}

service "evenementenvergunning" {
  vraag = "Hoe vraagt u een evenementenvergunning aan?",
  name = "Evenementenvergunning aanvragen", upl = "evenementenvergunning", audience = "beide",
  presence = false, auth = "midden", eherkenning = "eh3", complexity = "high",
  tags = { "evenementen" },
  termijn = "Vraag de vergunning minimaal 8 weken voor uw evenement aan.",
}

service "terrasvergunning" {
  vraag = "Hoe vraagt u een terrasvergunning aan?",
  name = "Terrasvergunning aanvragen", upl = "terrasvergunning", audience = "bedrijf",
  presence = false, auth = "eh3", complexity = "medium",
  tags = { "ondernemen", "horeca" },
}

service "alcoholvergunning" {
  vraag = "Hoe vraagt u een alcoholvergunning aan?",
  name = "Alcoholvergunning aanvragen", upl = "alcoholvergunning", audience = "bedrijf",
  presence = false, auth = "eh3", complexity = "high",
  tags = { "ondernemen", "horeca" },
}

service "standplaatsvergunning" {
  vraag = "Hoe vraagt u een standplaatsvergunning aan?",
  name = "Standplaatsvergunning aanvragen", upl = "standplaatsvergunning", audience = "beide",
  presence = false, auth = "midden", eherkenning = "eh3", complexity = "medium",
  tags = { "ondernemen" },
}

-- Klachten -----------------------------------------------------------------------------

service "klacht" {
  vraag = "Hoe dient u een klacht in over de gemeente?",
  name = "Klacht indienen over de gemeente", upl = "klacht", audience = "beide",
  presence = false, auth = "none", complexity = "medium",
  tags = { "klachten" }, formeel = true,
  uitleg = "Wij nemen binnen 5 werkdagen contact met u op over uw klacht.",
}
