-- Ondernemers en eHerkenning (steering/business.lua)

case "terrasvergunning met eHerkenning EH3: online" {
  request = { service = "terrasvergunning", citizen = { authLevel = "eh3" },
              context = { time = tijd.di_10 } },
  expect = { first = "website", excluded = { "ido", "telefoon_zorg" },
             reason = { website = "met eHerkenning" } },
}

case "alcoholvergunning met EH2: niveau te laag" {
  request = { service = "alcoholvergunning", citizen = { authLevel = "eh2" },
              context = { time = tijd.di_10 } },
  expect = { first = "telefoon", notes = "te laag", reason = { website = "EH3" } },
}

case "bedrijfsafval, niet ingelogd: eHerkenning noemen" {
  request = { service = "bedrijfsafval", context = { time = tijd.di_10 } },
  expect = { first = "website", notes = "niet met DigiD", excluded = { "ido" } },
}

case "evenement door een bedrijf met EH3: eHerkenning, geen DigiD-tekst" {
  request = { service = "evenementenvergunning", citizen = { authLevel = "eh3" },
              context = { time = tijd.di_10 } },
  expect = { first = "website", reason = { website = "eHerkenning" }, excluded = { "ido" } },
}

case "WOZ-bezwaar door een bedrijf met EH2: te laag" {
  request = { service = "woz_bezwaar", citizen = { authLevel = "eh2" }, context = { time = tijd.di_10 } },
  expect = { first = "telefoon", notes = "EH2+" },
}
