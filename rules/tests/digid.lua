-- DigiD (steering/digid.lua)

case "rijbewijs verlengen met DigiD app met ID-check: online via de RDW" {
  request = { service = "rijbewijs_verlengen", citizen = { authLevel = "substantieel" },
              context = { time = tijd.di_10 } },
  expect = { first = "website", reason = { website = "via de RDW" },
             notes = "persoonlijk op aan de balie" },
}

case "rijbewijs verlengen met DigiD Midden: naar de balie" {
  request = { service = "rijbewijs_verlengen", citizen = { authLevel = "midden" },
              context = { time = tijd.di_10 } },
  expect = { first = "balie", included = { "website", "telefoon" },
             reason = { website = "ID-check", balie = "zonder DigiD" },
             notes = "later ook zelf online" },
}

case "rijbewijs verlengen, anoniem: ID-check vooraf noemen" {
  request = { service = "rijbewijs_verlengen", context = { time = tijd.di_10 } },
  expect = { first = "website", notes = "DigiD app met ID-check nodig" },
}

case "verhuizing zonder DigiD: balie, telefoon of bibliotheek" {
  request = { service = "verhuizing", citizen = { authLevel = "none" },
              context = { time = tijd.di_10 } },
  expect = { first = "balie", reason = { ido = "DigiD aan te vragen", website = "alleen met DigiD" },
             notes = "www.digid.nl" },
}

case "verhuizing met DigiD Basis: niveau te laag" {
  request = { service = "verhuizing_naar", citizen = { authLevel = "basis" },
              context = { time = tijd.di_10 } },
  expect = { first = "balie", reason = { website = "sms-controle" } },
}

case "verhuizing met DigiD Midden: direct online" {
  request = { service = "verhuizing", citizen = { authLevel = "midden" },
              context = { time = tijd.di_10 } },
  expect = { first = "website", reason = { website = "direct online regelen met DigiD" } },
}

case "grofvuil: online zonder inloggen" {
  request = { service = "grofvuil", context = { time = tijd.di_10 } },
  expect = { first = "website", reason = { website = "zonder in te loggen" } },
}

case "bijstand: aanvragen voor een ander met DigiD Machtigen" {
  request = { service = "bijstand", context = { time = tijd.di_10 } },
  expect = { notes = "DigiD Machtigen" },
}
